import Anthropic from '@anthropic-ai/sdk';
import { Inject, Injectable } from '@nestjs/common';

import type { ChatCompletion, ChatCompletionChunk } from '@liya/contracts';
import type { RouterEnvironment } from '@liya/environment';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import { ProviderHttp } from '../http/provider-http';
import type { ProviderRoute } from '../routing/provider-route';
import { toChatCompletionChunks } from './anthropic-stream-translation';
import { fromAnthropicMessage, toAnthropicRequest } from './anthropic-translation';
import type { ChatProvider, ProviderCall } from './chat-provider';
import { mapProviderError } from './provider-error.mapper';

// The shared client holds no key: each call sends its own in its request headers.
const NO_CLIENT_KEY = 'key-sent-per-request';

/**
 * Anthropic through `@anthropic-ai/sdk`, translated to and from Chat Completions. One client,
 * built once over the shared connection pool, serves every call; the key of a call travels only
 * in that call's headers. Telemetry and environment-derived credentials are off, so the SDK sends
 * exactly the key it is given and nothing else.
 */
@Injectable()
export class AnthropicChatProvider implements ChatProvider {
  private readonly client: Anthropic;

  constructor(@Inject(ROUTER_ENVIRONMENT) env: RouterEnvironment, http: ProviderHttp) {
    this.client = new Anthropic({
      apiKey: NO_CLIENT_KEY,
      authToken: null,
      baseURL: env.ANTHROPIC_BASE_URL,
      timeout: env.PROVIDER_TIMEOUT_MS,
      maxRetries: 0,
      logLevel: 'off',
      openTelemetry: false,
      ...http.platform,
    });
  }

  async complete(call: ProviderCall): Promise<ChatCompletion> {
    try {
      const message = await this.client.messages.create(toAnthropicRequest(call.body, call.model), {
        headers: keyHeaders(call.apiKey),
        signal: call.signal,
      });

      return fromAnthropicMessage(message);
    } catch (error) {
      throw mapProviderError('anthropic', call.route.key.source, error);
    }
  }

  async stream(call: ProviderCall): Promise<AsyncIterable<ChatCompletionChunk>> {
    const keySource = call.route.key.source;

    let events: AsyncIterable<Anthropic.RawMessageStreamEvent>;
    try {
      events = await this.client.messages.create(
        { ...toAnthropicRequest(call.body, call.model), stream: true },
        { headers: keyHeaders(call.apiKey), signal: call.signal },
      );
    } catch (error) {
      throw mapProviderError('anthropic', keySource, error);
    }

    return mapped(toChatCompletionChunks(events), keySource);
  }

  async verify(route: ProviderRoute, apiKey: string, timeoutMs: number): Promise<void> {
    try {
      await this.client.models.list(
        { limit: 1 },
        { headers: keyHeaders(apiKey), timeout: timeoutMs },
      );
    } catch (error) {
      throw mapProviderError('anthropic', route.key.source, error);
    }
  }
}

// This SDK sends its key as a bearer token; the call's own header takes the client's place.
function keyHeaders(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}

async function* mapped(
  chunks: AsyncIterable<ChatCompletionChunk>,
  keySource: ProviderRoute['key']['source'],
): AsyncIterable<ChatCompletionChunk> {
  try {
    yield* chunks;
  } catch (error) {
    throw mapProviderError('anthropic', keySource, error);
  }
}
