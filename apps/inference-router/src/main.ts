import 'reflect-metadata';

import { startBusService } from '@liya/messaging';
import { parseEnvironment, runService } from '@liya/runtime';

import { routerEnvironmentSchema } from '@liya/environment';
import { RouterModule } from './router.module';

runService('inference-router', async (logger) => {
  const env = parseEnvironment(routerEnvironmentSchema);

  return startBusService({
    service: 'inference-router',
    logger,
    nats: { url: env.NATS_URL, user: env.NATS_USER, password: env.NATS_PASSWORD },
    opsPort: env.OPS_PORT,
    // Provider calls may take a minute; requests to other services keep short deadlines.
    module: (shared) => RouterModule.register(env, shared),
  });
});
