import { Inject, Injectable } from '@nestjs/common';
import OpenAI, { AzureOpenAI } from 'openai';

import {
  type ChatCompletion,
  type ChatCompletionChunk,
  checkAzureEndpoint,
  parseHostAllowlist,
  ServiceError,
} from '@liya/contracts';
import type { RouterEnvironment } from '@liya/environment';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import { ProviderHttp } from '../http/provider-http';
import type { ProviderRoute } from '../routing/provider-route';
import type { ChatProvider, ProviderCall } from './chat-provider';
import { normalizeOpenAiChunk } from './openai-chunks';
import { mapProviderError } from './provider-error.mapper';

/**
 * OpenAI and Azure OpenAI through the official `openai` SDK. A client is built per call because
 * it holds the tenant's key; what holds no key (the connection pools) is shared. Every option the
 * SDK would otherwise read from the environment (base URL, organization, project) is set
 * explicitly, retries are ours to decide (none), and redirects are refused.
 */
@Injectable()
export class OpenAiChatProvider implements ChatProvider {
  private readonly hostAllowlist: string[];

  constructor(
    @Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment,
    private readonly http: ProviderHttp,
  ) {
    this.hostAllowlist = parseHostAllowlist(env.PROVIDER_HOST_ALLOWLIST);
  }

  async complete(call: ProviderCall): Promise<ChatCompletion> {
    const client = this.clientFor(call.route, call.apiKey, this.env.PROVIDER_TIMEOUT_MS);
    const body = { ...call.body };

    delete body.stream_options;

    try {
      const completion = await client.chat.completions.create(
        { ...body, model: call.model, stream: false },
        { signal: call.signal },
      );

      return completion as unknown as ChatCompletion;
    } catch (error) {
      throw mapProviderError(call.route.provider, call.route.key.source, error);
    }
  }

  async stream(call: ProviderCall): Promise<AsyncIterable<ChatCompletionChunk>> {
    const client = this.clientFor(call.route, call.apiKey, this.env.PROVIDER_TIMEOUT_MS);
    const { route } = call;

    // Usage is always asked for, since billing needs it; the caller sees it only if it asked.
    let stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    try {
      stream = await client.chat.completions.create(
        {
          ...call.body,
          model: call.model,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: call.signal },
      );
    } catch (error) {
      throw mapProviderError(route.provider, route.key.source, error);
    }

    return normalized(stream, route);
  }

  async verify(route: ProviderRoute, apiKey: string, timeoutMs: number): Promise<void> {
    const client = this.clientFor(route, apiKey, timeoutMs);

    try {
      await client.models.list();
    } catch (error) {
      throw mapProviderError(route.provider, route.key.source, error);
    }
  }

  private clientFor(route: ProviderRoute, apiKey: string, timeout: number): OpenAI {
    const common = {
      apiKey,
      organization: null,
      project: null,
      timeout,
      maxRetries: 0,
      logLevel: 'off' as const,
    };

    if (route.provider === 'azure') {
      // Checked again at call time: the stored endpoint may predate today's rules.
      const verdict = checkAzureEndpoint(route.endpoint, this.hostAllowlist);
      if (!verdict.ok) {
        throw new ServiceError('provider_endpoint_refused', `the Azure endpoint ${verdict.reason}`);
      }

      return new AzureOpenAI({
        ...common,
        ...this.http.tenantEndpoint,
        // baseURL rather than `endpoint`: the SDK would otherwise read OPENAI_BASE_URL, which
        // names the platform's OpenAI URL, and refuse the pair.
        baseURL: `${verdict.url.origin}/openai`,
        deployment: route.deploymentId,
        apiVersion: this.env.AZURE_OPENAI_API_VERSION,
      });
    }

    return new OpenAI({
      ...common,
      ...this.http.platform,
      organization: route.provider === 'openai' ? (route.organization ?? null) : null,
      baseURL: this.env.OPENAI_BASE_URL,
    });
  }
}

async function* normalized(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
  route: ProviderRoute,
): AsyncIterable<ChatCompletionChunk> {
  try {
    for await (const chunk of stream) {
      const clean = normalizeOpenAiChunk(chunk);
      if (clean) yield clean;
    }
  } catch (error) {
    throw mapProviderError(route.provider, route.key.source, error);
  }
}
