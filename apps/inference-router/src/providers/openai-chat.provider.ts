import { Inject, Injectable } from '@nestjs/common';
import OpenAI, { AzureOpenAI } from 'openai';

import {
  type ChatCompletion,
  checkAzureEndpoint,
  parseHostAllowlist,
  ServiceError,
} from '@liya/contracts';

import type { RouterEnvironment } from '@liya/environment';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import type { ChatProvider, ProviderCall } from './chat-provider';
import { mapProviderError } from './provider-error.mapper';

/**
 * OpenAI and Azure OpenAI through the official `openai` SDK. A client is built per call because
 * it holds the tenant's key; every option the SDK would otherwise read from the environment
 * (base URL, organization, project) is set explicitly, retries are ours to decide (none), and
 * redirects are refused so a key is never replayed to another host.
 */
@Injectable()
export class OpenAiChatProvider implements ChatProvider {
  private readonly hostAllowlist: string[];

  constructor(@Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment) {
    this.hostAllowlist = parseHostAllowlist(env.PROVIDER_HOST_ALLOWLIST);
  }

  async complete(call: ProviderCall): Promise<ChatCompletion> {
    const client = this.clientFor(call);
    const { route, body } = call;

    try {
      const completion = await client.chat.completions.create(
        { ...body, stream: false },
        { signal: call.signal },
      );

      return completion as unknown as ChatCompletion;
    } catch (error) {
      throw mapProviderError(route.provider, route.key.source, error);
    }
  }

  private clientFor(call: ProviderCall): OpenAI {
    const common = {
      apiKey: call.apiKey,
      organization: null,
      project: null,
      timeout: this.env.PROVIDER_TIMEOUT_MS,
      maxRetries: 0,
      logLevel: 'off' as const,
      fetchOptions: { redirect: 'error' as const },
    };
    const { route } = call;

    if (route.provider === 'azure') {
      const verdict = checkAzureEndpoint(route.endpoint, this.hostAllowlist);
      if (!verdict.ok) {
        throw new ServiceError('provider_endpoint_refused', `the Azure endpoint ${verdict.reason}`);
      }

      return new AzureOpenAI({
        ...common,
        endpoint: verdict.url.origin,
        deployment: route.deploymentId,
        apiVersion: this.env.AZURE_OPENAI_API_VERSION,
      });
    }

    return new OpenAI({
      ...common,
      organization: route.provider === 'openai' ? (route.organization ?? null) : null,
      baseURL: this.env.OPENAI_BASE_URL,
    });
  }
}
