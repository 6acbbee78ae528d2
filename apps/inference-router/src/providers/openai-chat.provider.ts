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

// Clients are shared and hold no key: each call sends its own key in its request headers, and
// a client built from this placeholder alone would only ever be refused by the provider.
const NO_CLIENT_KEY = 'key-sent-per-request';
const MAX_AZURE_CLIENTS = 1024;

interface PreparedClient {
  client: OpenAI;
  headers: Record<string, string>;
}

/**
 * OpenAI and Azure OpenAI through the official `openai` SDK. Clients are built once per
 * destination (the platform URL, each Azure endpoint and deployment) and the tenant's key travels
 * only in the headers of its own call, so no client state holds a key and the connection pools
 * stay warm. Every option the SDK would otherwise read from the environment (base URL,
 * organization, project) is set explicitly, retries are ours to decide (none), and redirects are
 * refused.
 */
@Injectable()
export class OpenAiChatProvider implements ChatProvider {
  private readonly hostAllowlist: string[];
  private readonly platformClient: OpenAI;
  private readonly azureClients = new Map<string, AzureOpenAI>();

  constructor(
    @Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment,
    private readonly http: ProviderHttp,
  ) {
    this.hostAllowlist = parseHostAllowlist(env.PROVIDER_HOST_ALLOWLIST);
    this.platformClient = new OpenAI({
      ...this.clientOptions(),
      ...http.platform,
      baseURL: env.OPENAI_BASE_URL,
    });
  }

  async complete(call: ProviderCall): Promise<ChatCompletion> {
    const { client, headers } = this.prepare(call.route, call.apiKey);
    const body = { ...call.body };

    delete body.stream_options;

    try {
      const completion = await client.chat.completions.create(
        { ...body, model: call.model, stream: false },
        { headers, signal: call.signal },
      );

      return completion as unknown as ChatCompletion;
    } catch (error) {
      throw mapProviderError(call.route.provider, call.route.key.source, error);
    }
  }

  async stream(call: ProviderCall): Promise<AsyncIterable<ChatCompletionChunk>> {
    const { client, headers } = this.prepare(call.route, call.apiKey);
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
        { headers, signal: call.signal },
      );
    } catch (error) {
      throw mapProviderError(route.provider, route.key.source, error);
    }

    return normalized(stream, route);
  }

  async verify(route: ProviderRoute, apiKey: string, timeoutMs: number): Promise<void> {
    const { client, headers } = this.prepare(route, apiKey);

    try {
      await client.models.list({ headers, timeout: timeoutMs });
    } catch (error) {
      throw mapProviderError(route.provider, route.key.source, error);
    }
  }

  private prepare(route: ProviderRoute, apiKey: string): PreparedClient {
    if (route.provider === 'azure') {
      return { client: this.azureClient(route), headers: { 'api-key': apiKey } };
    }

    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
    if (route.provider === 'openai' && route.organization) {
      headers['openai-organization'] = route.organization;
    }

    return { client: this.platformClient, headers };
  }

  private azureClient(route: ProviderRoute & { provider: 'azure' }): AzureOpenAI {
    // Checked again at call time: the stored endpoint may predate today's rules.
    const verdict = checkAzureEndpoint(route.endpoint, this.hostAllowlist);
    if (!verdict.ok) {
      throw new ServiceError('provider_endpoint_refused', `the Azure endpoint ${verdict.reason}`);
    }

    const cacheKey = `${verdict.url.origin} ${route.deploymentId}`;
    let client = this.azureClients.get(cacheKey);
    if (client) return client;

    client = new AzureOpenAI({
      ...this.clientOptions(),
      ...this.http.tenantEndpoint,
      // baseURL rather than `endpoint`: the SDK would otherwise read OPENAI_BASE_URL, which
      // names the platform's OpenAI URL, and refuse the pair.
      baseURL: `${verdict.url.origin}/openai`,
      deployment: route.deploymentId,
      apiVersion: this.env.AZURE_OPENAI_API_VERSION,
    });

    if (this.azureClients.size >= MAX_AZURE_CLIENTS) {
      this.azureClients.delete(this.azureClients.keys().next().value as string);
    }
    this.azureClients.set(cacheKey, client);

    return client;
  }

  private clientOptions() {
    return {
      apiKey: NO_CLIENT_KEY,
      organization: null,
      project: null,
      timeout: this.env.PROVIDER_TIMEOUT_MS,
      maxRetries: 0,
      logLevel: 'off' as const,
    };
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
