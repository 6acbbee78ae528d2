import 'reflect-metadata';

import { configEnvironmentSchema } from '@liya/environment';
import { runMigrations } from '@liya/persistence';
import { parseEnvironment } from '@liya/runtime';

import { createConfigDataSource } from './database/data-source';

async function main(): Promise<void> {
  const env = parseEnvironment(configEnvironmentSchema);
  const applied = await runMigrations(createConfigDataSource(env.DATABASE_URL), env.DATABASE_URL);

  process.stdout.write(`config-service: ${applied.length} migration(s) applied\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`config-service migrations failed: ${(error as Error).message}\n`);
  process.exit(1);
});
