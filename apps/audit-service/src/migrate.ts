import 'reflect-metadata';

import { auditEnvironmentSchema } from '@liya/environment';
import { runMigrations } from '@liya/persistence';
import { parseEnvironment } from '@liya/runtime';

import { createAuditDataSource } from './database/data-source';

async function main(): Promise<void> {
  const env = parseEnvironment(auditEnvironmentSchema);
  const applied = await runMigrations(createAuditDataSource(env.DATABASE_URL), env.DATABASE_URL);

  process.stdout.write(`audit-service: ${applied.length} migration(s) applied\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`audit-service migrations failed: ${(error as Error).message}\n`);
  process.exit(1);
});
