import 'reflect-metadata';

import { loadKeyRing } from '@liya/crypto-core';
import { startBusService } from '@liya/messaging';
import { parseEnvironment, runService } from '@liya/runtime';

import { cryptoEnvironmentSchema } from '@liya/environment';
import { CryptoModule } from './crypto.module';

runService('crypto-service', async (logger) => {
  const env = parseEnvironment(cryptoEnvironmentSchema);

  // The only place in the system that reads the master key.
  const keyRing = loadKeyRing(process.env);

  logger.info({ keyVersions: keyRing.versions, active: keyRing.activeVersion }, 'key ring loaded');

  return startBusService({
    service: 'crypto-service',
    logger,
    nats: { url: env.NATS_URL, user: env.NATS_USER, password: env.NATS_PASSWORD },
    opsPort: env.OPS_PORT,
    module: (shared) => CryptoModule.register(keyRing, shared),
  });
});
