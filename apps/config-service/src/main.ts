import 'reflect-metadata';

import { ensureAuditStream, startBusService } from '@liya/messaging';
import { initializeDatabase, pingDatabase } from '@liya/persistence';
import { parseEnvironment, runService } from '@liya/runtime';

import { configEnvironmentSchema } from '@liya/environment';
import { ConfigModule } from './config.module';
import { createConfigDataSource } from './database/data-source';

runService('config-service', async (logger) => {
  const env = parseEnvironment(configEnvironmentSchema);
  const dataSource = createConfigDataSource(env.DATABASE_URL);

  await initializeDatabase(dataSource, env.DATABASE_URL);

  const service = await startBusService({
    service: 'config-service',
    logger,
    nats: { url: env.NATS_URL, user: env.NATS_USER, password: env.NATS_PASSWORD },
    opsPort: env.OPS_PORT,
    module: (shared) => ConfigModule.register(env, dataSource, shared),
    readiness: () => ({ postgres: () => pingDatabase(dataSource) }),
    onStarted: (_app, connection) => ensureAuditStream(connection),
  });

  return {
    stop: async () => {
      await service.stop();
      await dataSource.destroy();
    },
  };
});
