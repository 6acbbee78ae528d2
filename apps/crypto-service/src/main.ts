import 'reflect-metadata';

import { Registry } from 'prom-client';

import { cryptoEnvironmentSchema } from '@liya/environment';
import { loadKeyRing } from '@liya/crypto-core';
import { natsSettingsFrom, startBusService } from '@liya/messaging';
import { loadEnvironment, runService } from '@liya/runtime';

import { CryptoModule } from './crypto.module';
import { registerKeyRingMetrics } from './keys/key-ring.metrics';

runService('crypto-service', async (logger) => {
  const env = loadEnvironment(cryptoEnvironmentSchema, logger);

  // The only place in the system that reads the master key. A ring that cannot be used stops
  // the start with one line naming the problem (runService prints it), never key material.
  const keyRing = loadKeyRing(process.env);

  // Nothing else in the process needs the key in its environment (or in a child's).
  delete process.env.MASTER_KEY;

  logger.info({ keyRing: keyRing.describe() }, 'key ring loaded');

  return startBusService({
    service: 'crypto-service',
    logger,
    nats: natsSettingsFrom(env),
    opsPort: env.OPS_PORT,
    module: (shared) => CryptoModule.register(keyRing, shared),
    onStarted: async (app) => registerKeyRingMetrics(keyRing, app.get(Registry)),
  });
});
