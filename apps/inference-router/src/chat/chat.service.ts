import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';

import {
  type ChatReply,
  type ChatRequest,
  CryptoRpc,
  parseChatCompletionRequest,
  ServiceError,
} from '@liya/contracts';
import { RpcClient } from '@liya/messaging';
import { APP_LOGGER, type AppLogger } from '@liya/runtime';

import type { RouterEnvironment } from '@liya/environment';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import { AnthropicChatProvider } from '../providers/anthropic-chat.provider';
import type { ChatProvider } from '../providers/chat-provider';
import { OpenAiChatProvider } from '../providers/openai-chat.provider';
import { type ManagedKeys, type ProviderRoute, selectRoute } from '../routing/provider-route';
import { TenantConfigCache } from '../routing/tenant-config-cache';

const DECRYPT_TIMEOUT_MS = 2000;

/** Serves one chat completion: resolve the tenant, pick the provider, decrypt, call, answer. */
@Injectable()
export class ChatService {
  private readonly managedKeys: ManagedKeys;
  private readonly providerCalls: Counter<'provider' | 'key_source' | 'outcome'>;
  private readonly providerLatency: Histogram<'provider'>;

  constructor(
    private readonly configCache: TenantConfigCache,
    private readonly rpc: RpcClient,
    private readonly openAi: OpenAiChatProvider,
    private readonly anthropic: AnthropicChatProvider,
    @Inject(ROUTER_ENVIRONMENT) env: RouterEnvironment,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    registry: Registry,
  ) {
    this.managedKeys = { openai: env.LIYA_OPENAI_API_KEY, anthropic: env.LIYA_ANTHROPIC_API_KEY };
    this.providerCalls = new Counter({
      name: 'liya_provider_calls_total',
      help: 'Provider calls by provider, key source and outcome code',
      labelNames: ['provider', 'key_source', 'outcome'] as const,
      registers: [registry],
    });
    this.providerLatency = new Histogram({
      name: 'liya_provider_call_duration_seconds',
      help: 'Provider call latency by provider',
      labelNames: ['provider'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
  }

  async complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatReply> {
    const tenantId = request.tenantId;
    const body = parseChatCompletionRequest(request.body);
    if (body.stream) {
      throw new ServiceError('invalid_field', 'stream must be false on this subject', {
        field: 'stream',
      });
    }

    const config = await this.configCache.get(tenantId);
    const route = selectRoute(config, this.managedKeys, body.model);
    const apiKey = await this.keyFor(tenantId, route);

    const started = process.hrtime.bigint();
    const labels = { provider: route.provider, key_source: route.key.source };

    try {
      const completion = await this.providerFor(route).complete({ route, apiKey, body, signal });

      this.providerCalls.inc({ ...labels, outcome: 'ok' });
      this.logCall(request, route, started, 'ok');

      return { provider: route.provider, keySource: route.key.source, completion };
    } catch (error) {
      const code = error instanceof ServiceError ? error.code : 'internal_error';

      this.providerCalls.inc({ ...labels, outcome: code });
      this.logCall(request, route, started, code);

      throw error;
    } finally {
      this.providerLatency.observe(
        { provider: route.provider },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  private async keyFor(tenantId: string, route: ProviderRoute): Promise<string> {
    if (route.key.source === 'managed') return route.key.apiKey;

    const { plaintext } = await this.rpc.call(
      CryptoRpc.decrypt,
      { tenantId, field: route.key.field, ciphertext: route.key.ciphertext },
      DECRYPT_TIMEOUT_MS,
    );

    return plaintext;
  }

  private providerFor(route: ProviderRoute): ChatProvider {
    return route.provider === 'anthropic' ? this.anthropic : this.openAi;
  }

  private logCall(request: ChatRequest, route: ProviderRoute, started: bigint, outcome: string) {
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;

    this.logger.info(
      {
        tenantId: request.tenantId,
        requestId: request.requestId,
        provider: route.provider,
        keySource: route.key.source,
        outcome,
        latencyMs: Math.round(latencyMs * 10) / 10,
      },
      'chat completion served',
    );
  }
}
