import 'reflect-metadata';

import { startBusService } from '@liya/messaging';
import { initializeDatabase, pingDatabase } from '@liya/persistence';
import { parseEnvironment, runService } from '@liya/runtime';

import { AuditModule } from './audit.module';
import { auditEnvironmentSchema } from '@liya/environment';
import { createAuditDataSource } from './database/data-source';

runService('audit-service', async (logger) => {
  const env = parseEnvironment(auditEnvironmentSchema);
  const dataSource = createAuditDataSource(env.DATABASE_URL);

  await initializeDatabase(dataSource, env.DATABASE_URL);

  const service = await startBusService({
    service: 'audit-service',
    logger,
    nats: { url: env.NATS_URL, user: env.NATS_USER, password: env.NATS_PASSWORD },
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
