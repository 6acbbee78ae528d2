import 'reflect-metadata';

import { configEnvironmentSchema } from '@liya/environment';
import { ensureAuditStream, natsSettingsFrom, startBusService } from '@liya/messaging';
import { initializeDatabase, pingDatabase } from '@liya/persistence';
import { loadEnvironment, runService } from '@liya/runtime';

import { ConfigModule } from './config.module';
import { createConfigDataSource } from './database/data-source';

runService('config-service', async (logger) => {
  const env = loadEnvironment(configEnvironmentSchema, logger);
  const dataSource = createConfigDataSource(env.DATABASE_URL);

  await initializeDatabase(dataSource, env.DATABASE_URL);

  const service = await startBusService({
    service: 'config-service',
    logger,
    nats: natsSettingsFrom(env),
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
