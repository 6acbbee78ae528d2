import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { ConfigEnvironment } from '@liya/environment';
import { parseHostAllowlist } from '@liya/contracts';

import { OutboxRelay } from './outbox/outbox-relay.service';
import { OUTBOX_SETTINGS, outboxSettingsFrom } from './outbox/outbox-settings';
import { OUTBOX_POLL_INTERVAL_MS } from './outbox/outbox.tokens';
import { PROVIDER_HOST_ALLOWLIST } from './tenant-config/config.tokens';
import { ConfigRpcController } from './tenant-config/config-rpc.controller';
import { TenantConfigService } from './tenant-config/tenant-config.service';

@Module({})
export class ConfigModule {
  static register(
    env: ConfigEnvironment,
    dataSource: DataSource,
    sharedProviders: Provider[],
  ): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        ...sharedProviders,
        { provide: DataSource, useValue: dataSource },
        {
          provide: PROVIDER_HOST_ALLOWLIST,
          useValue: parseHostAllowlist(env.PROVIDER_HOST_ALLOWLIST),
        },
        { provide: OUTBOX_POLL_INTERVAL_MS, useValue: env.OUTBOX_POLL_INTERVAL_MS },
        { provide: OUTBOX_SETTINGS, useValue: outboxSettingsFrom(env) },
        OutboxRelay,
        TenantConfigService,
        ConfigRpcController,
      ],
    };
  }
}
