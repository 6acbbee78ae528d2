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

/**
 * Anthropic through `@anthropic-ai/sdk`, translated to and from Chat Completions. The client is
 * per call (it holds the key) over the shared connection pool; telemetry and environment-derived
 * credentials are off so the SDK sends exactly the key it is given and nothing else.
 */
@Injectable()
export class AnthropicChatProvider implements ChatProvider {
  constructor(
    @Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment,
    private readonly http: ProviderHttp,
  ) {}

  async complete(call: ProviderCall): Promise<ChatCompletion> {
    const client = this.clientFor(call.apiKey, this.env.PROVIDER_TIMEOUT_MS);

    try {
      const message = await client.messages.create(toAnthropicRequest(call.body, call.model), {
        signal: call.signal,
      });

      return fromAnthropicMessage(message);
    } catch (error) {
      throw mapProviderError('anthropic', call.route.key.source, error);
    }
  }

  async stream(call: ProviderCall): Promise<AsyncIterable<ChatCompletionChunk>> {
    const client = this.clientFor(call.apiKey, this.env.PROVIDER_TIMEOUT_MS);
    const keySource = call.route.key.source;

    let events: AsyncIterable<Anthropic.RawMessageStreamEvent>;
    try {
      events = await client.messages.create(
        { ...toAnthropicRequest(call.body, call.model), stream: true },
        { signal: call.signal },
      );
    } catch (error) {
      throw mapProviderError('anthropic', keySource, error);
    }

    return mapped(toChatCompletionChunks(events), keySource);
  }

  async verify(route: ProviderRoute, apiKey: string, timeoutMs: number): Promise<void> {
    try {
      await this.clientFor(apiKey, timeoutMs).models.list({ limit: 1 });
    } catch (error) {
      throw mapProviderError('anthropic', route.key.source, error);
    }
  }

  private clientFor(apiKey: string, timeout: number): Anthropic {
    return new Anthropic({
      apiKey,
      authToken: null,
      baseURL: this.env.ANTHROPIC_BASE_URL,
      timeout,
      maxRetries: 0,
      logLevel: 'off',
      openTelemetry: false,
      ...this.http.platform,
    });
  }
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
