import 'reflect-metadata';

import { Registry } from 'prom-client';

import { loadKeyRing } from '@liya/crypto-core';
import { startBusService } from '@liya/messaging';
import { parseEnvironment, runService } from '@liya/runtime';

import { cryptoEnvironmentSchema } from '@liya/environment';
import { CryptoModule } from './crypto.module';
import { registerKeyRingMetrics } from './keys/key-ring.metrics';

runService('crypto-service', async (logger) => {
  const env = parseEnvironment(cryptoEnvironmentSchema);

  // The only place in the system that reads the master key. A ring that cannot be used stops
  // the start with one line naming the problem (runService prints it), never key material.
  const keyRing = loadKeyRing(process.env);

  logger.info({ keyRing: keyRing.describe() }, 'key ring loaded');

  return startBusService({
    service: 'crypto-service',
    logger,
    nats: { url: env.NATS_URL, user: env.NATS_USER, password: env.NATS_PASSWORD },
    opsPort: env.OPS_PORT,
    module: (shared) => CryptoModule.register(keyRing, shared),
    onStarted: async (app) => registerKeyRingMetrics(keyRing, app.get(Registry)),
  });
});
