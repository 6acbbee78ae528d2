import 'reflect-metadata';

import { natsSettingsFrom, startBusService } from '@liya/messaging';
import { initializeDatabase, pingDatabase } from '@liya/persistence';
import { loadEnvironment, runService } from '@liya/runtime';
import { auditEnvironmentSchema } from '@liya/environment';

import { AuditModule } from './audit.module';
import { createAuditDataSource } from './database/data-source';

runService('audit-service', async (logger) => {
  const env = loadEnvironment(auditEnvironmentSchema, logger);
  const dataSource = createAuditDataSource(env.DATABASE_URL);

  await initializeDatabase(dataSource, env.DATABASE_URL);

  const service = await startBusService({
    service: 'audit-service',
    logger,
    nats: natsSettingsFrom(env),
    opsPort: env.OPS_PORT,
    module: (shared) => AuditModule.register(dataSource, shared),
    readiness: () => ({ postgres: () => pingDatabase(dataSource) }),
  });

  return {
    stop: async () => {
      await service.stop();
      await dataSource.destroy();
    },
  };
});
