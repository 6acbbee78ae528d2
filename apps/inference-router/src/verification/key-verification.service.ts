import { Inject, Injectable } from '@nestjs/common';

import {
  ConfigRpc,
  CryptoRpc,
  type ProviderKeyVerification,
  ServiceError,
  type VerifyKeysReply,
} from '@liya/contracts';
import type { RouterEnvironment } from '@liya/environment';
import { RpcClient } from '@liya/messaging';
import { APP_LOGGER, type AppLogger } from '@liya/runtime';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import { AnthropicChatProvider } from '../providers/anthropic-chat.provider';
import type { ChatProvider } from '../providers/chat-provider';
import { OpenAiChatProvider } from '../providers/openai-chat.provider';
import { byokRoutes, type ProviderRoute } from '../routing/provider-route';

const DEPENDENCY_TIMEOUT_MS = 2000;

/**
 * Checks each key a tenant stored with one cheap authenticated call (listing models), all at once,
 * and reports what the provider said in our words. The configuration is read fresh, not from the
 * routing cache, since a tenant verifies right after changing it.
 */
@Injectable()
export class KeyVerificationService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly openAi: OpenAiChatProvider,
    private readonly anthropic: AnthropicChatProvider,
    @Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  async verify(tenantId: string, requestId: string): Promise<VerifyKeysReply> {
    const config = await this.rpc.call(ConfigRpc.resolve, { tenantId }, DEPENDENCY_TIMEOUT_MS);
    const routes = config.mode === 'byok' ? byokRoutes(config) : [];

    const results = await Promise.all(routes.map((route) => this.check(tenantId, route)));

    this.logger.info(
      { tenantId, requestId, results: results.map((r) => `${r.provider}:${r.status}`) },
      'provider keys verified',
    );

    return { mode: config.mode, results, checkedAt: new Date().toISOString() };
  }

  private async check(tenantId: string, route: ProviderRoute): Promise<ProviderKeyVerification> {
    const provider = route.provider;
    if (route.key.source !== 'byok') return { provider, status: 'unreachable' };

    const { plaintext } = await this.rpc.call(
      CryptoRpc.decrypt,
      { tenantId, field: route.key.field, ciphertext: route.key.ciphertext },
      DEPENDENCY_TIMEOUT_MS,
    );

    const client: ChatProvider = provider === 'anthropic' ? this.anthropic : this.openAi;
    try {
      await client.verify(route, plaintext, this.env.VERIFY_TIMEOUT_MS);

      return { provider, status: 'ok' };
    } catch (error) {
      return { provider, ...verdictOf(error) };
    }
  }
}

function verdictOf(error: unknown): Omit<ProviderKeyVerification, 'provider'> {
  if (!(error instanceof ServiceError)) {
    return { status: 'unreachable', detail: 'the check failed unexpectedly' };
  }

  switch (error.code) {
    case 'provider_key_rejected':
      return { status: 'rejected', detail: 'the provider rejected the key' };
    case 'provider_rate_limited':
      return { status: 'ok', detail: 'the key was accepted but is rate limited or out of quota' };
    default:
      return { status: 'unreachable', detail: error.message };
  }
}
