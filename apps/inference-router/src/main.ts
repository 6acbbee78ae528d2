import 'reflect-metadata';

import { routerEnvironmentSchema } from '@liya/environment';
import { natsSettingsFrom, startBusService } from '@liya/messaging';
import { loadEnvironment, runService } from '@liya/runtime';

import { RouterModule } from './router.module';

// A provider call may take a minute; in-flight calls finish before the process exits.
const SHUTDOWN_TIMEOUT_MS = 70_000;

runService(
  'inference-router',
  async (logger) => {
    const env = loadEnvironment(routerEnvironmentSchema, logger);

    return startBusService({
      service: 'inference-router',
      logger,
      nats: natsSettingsFrom(env),
      opsPort: env.OPS_PORT,
      // Provider calls may take a minute; requests to other services keep short deadlines.
      module: (shared) => RouterModule.register(env, shared),
    });
  },
  { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
);
