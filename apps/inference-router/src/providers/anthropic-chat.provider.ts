import Anthropic from '@anthropic-ai/sdk';
import { Inject, Injectable } from '@nestjs/common';

import type { ChatCompletion } from '@liya/contracts';

import type { RouterEnvironment } from '@liya/environment';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import { isClaudeModel } from '../routing/provider-route';
import { fromAnthropicMessage, toAnthropicRequest } from './anthropic-translation';
import type { ChatProvider, ProviderCall } from './chat-provider';
import { mapProviderError } from './provider-error.mapper';

/** Anthropic through `@anthropic-ai/sdk`, translated to and from Chat Completions. */
@Injectable()
export class AnthropicChatProvider implements ChatProvider {
  constructor(@Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment) {}

  async complete(call: ProviderCall): Promise<ChatCompletion> {
    const client = new Anthropic({
      apiKey: call.apiKey,
      baseURL: this.env.ANTHROPIC_BASE_URL,
      timeout: this.env.PROVIDER_TIMEOUT_MS,
      maxRetries: 0,
      logLevel: 'off',
      fetchOptions: { redirect: 'error' },
    });
    const model = isClaudeModel(call.body.model)
      ? call.body.model
      : this.env.ANTHROPIC_DEFAULT_MODEL;

    try {
      const message = await client.messages.create(toAnthropicRequest(call.body, model), {
        signal: call.signal,
      });

      return fromAnthropicMessage(message);
    } catch (error) {
      throw mapProviderError('anthropic', call.route.key.source, error);
    }
  }
}
