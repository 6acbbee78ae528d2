import { DataSource } from 'typeorm';

import { AuditEventEntity } from '../audit-log/audit-event.entity';
import { DeadLetterEntity } from '../audit-log/dead-letter.entity';
import { AuditSchema1764806500000 } from './migrations/1764806500000-audit-schema';
import { AuditHashChain1764906500000 } from './migrations/1764906500000-audit-hash-chain';

/** audit-service's own tables, in schema audit; changed only through migrations. */
export function createAuditDataSource(databaseUrl: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: [AuditEventEntity, DeadLetterEntity],
    migrations: [AuditSchema1764806500000, AuditHashChain1764906500000],
    migrationsTableName: 'audit_migrations',
    synchronize: false,
    installExtensions: false,
    connectTimeoutMS: 5000,
    extra: { max: 10, statement_timeout: 10_000, idle_in_transaction_session_timeout: 30_000 },
  });
}

// The TypeORM CLI wants a default export.
export default createAuditDataSource(
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/liya_byok',
);
