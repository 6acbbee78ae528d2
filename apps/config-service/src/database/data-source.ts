import { DataSource } from 'typeorm';

import { OutboxEventEntity } from '../outbox/outbox-event.entity';
import { TenantConfigEntity } from '../tenant-config/tenant-config.entity';
import { TenantSecretEntity } from '../tenant-config/tenant-secret.entity';
import { InitialSchema1764806400000 } from './migrations/1764806400000-initial-schema';
import { OutboxReceipts1764906600000 } from './migrations/1764906600000-outbox-receipts';

export const CONFIG_ENTITIES = [TenantConfigEntity, TenantSecretEntity, OutboxEventEntity];

/** config-service's own tables, in schema byok_config; changed only through migrations. */
export function createConfigDataSource(databaseUrl: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: CONFIG_ENTITIES,
    migrations: [InitialSchema1764806400000, OutboxReceipts1764906600000],
    migrationsTableName: 'byok_config_migrations',
    synchronize: false,
    installExtensions: false,
    connectTimeoutMS: 5000,
    extra: { max: 10, statement_timeout: 10_000, idle_in_transaction_session_timeout: 30_000 },
  });
}

// The TypeORM CLI wants a default export.
export default createConfigDataSource(
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/liya_byok',
);
