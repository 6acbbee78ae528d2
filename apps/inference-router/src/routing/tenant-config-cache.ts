import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';

import {
  CONFIG_CHANGED_SUBJECT_PREFIX,
  type ConfigChangedEvent,
  ConfigRpc,
  type ResolvedConfig,
} from '@liya/contracts';
import { NATS_CONNECTION, RpcClient } from '@liya/messaging';

import type { RouterEnvironment } from '@liya/environment';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';

const RESOLVE_TIMEOUT_MS = 2000;

interface CacheEntry {
  config: ResolvedConfig;
  expiresAt: number;
}

/**
 * Resolved tenant configurations (ciphertexts and settings, never plaintext), dropped as soon as
 * config-service announces a change for the tenant and otherwise after a short TTL, which bounds
 * staleness should an announcement be missed. A fetch that overlaps an announcement is not cached.
 */
@Injectable()
export class TenantConfigCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly generations = new Map<string, number>();
  private subscription: Subscription | undefined;

  constructor(
    private readonly rpc: RpcClient,
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    @Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.connection.subscribe(`${CONFIG_CHANGED_SUBJECT_PREFIX}.>`, {
      callback: (error, message) => {
        if (error) return;

        const tenantId = tenantOfChange(message.string());
        if (tenantId) this.invalidate(tenantId);
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.drain();
  }

  invalidate(tenantId: string): void {
    this.entries.delete(tenantId);
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1);
  }

  async get(tenantId: string): Promise<ResolvedConfig> {
    const cached = this.entries.get(tenantId);
    if (cached && cached.expiresAt > Date.now()) return cached.config;

    const generation = this.generations.get(tenantId) ?? 0;
    const config = await this.rpc.call(ConfigRpc.resolve, { tenantId }, RESOLVE_TIMEOUT_MS);

    if (this.env.CONFIG_CACHE_TTL_MS > 0 && (this.generations.get(tenantId) ?? 0) === generation) {
      this.entries.set(tenantId, { config, expiresAt: Date.now() + this.env.CONFIG_CACHE_TTL_MS });
    }

    return config;
  }
}

function tenantOfChange(body: string): string | undefined {
  try {
    const { tenantId } = JSON.parse(body) as Partial<ConfigChangedEvent>;

    return typeof tenantId === 'string' ? tenantId : undefined;
  } catch {
    return undefined;
  }
}
