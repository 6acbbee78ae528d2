import type { DynamicModule, INestApplicationContext, Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';

import {
  APP_LOGGER,
  type AppLogger,
  createMetricsRegistry,
  NestLoggerAdapter,
  type ReadinessCheck,
  rpcMetrics,
  type RunningService,
  startOpsServer,
} from '@liya/runtime';

import {
  connectNats,
  type NatsSettings,
  pingNats,
  withRequestLogContext,
} from '../connection/nats-connection';
import { RpcServer } from '../rpc/rpc-server';
import { messagingProviders } from './messaging.providers';

export interface BusServiceOptions {
  service: string;
  logger: AppLogger;
  nats: NatsSettings;
  opsPort: number;
  /** Builds the service's root module around the shared providers (bus, metrics, logger). */
  module: (sharedProviders: Provider[]) => DynamicModule;
  /** Readiness checks beyond NATS, such as the service's database. */
  readiness?: (app: INestApplicationContext) => Record<string, ReadinessCheck>;
  /** Runs once the module is up, before the service reports ready (migrations checks, streams). */
  onStarted?: (app: INestApplicationContext, connection: NatsConnection) => Promise<void>;
}

export interface RunningBusService extends RunningService {
  app: INestApplicationContext;
  opsPort: number;
}

/**
 * Starts a service whose only interface is the bus: NATS first (a service that cannot reach it
 * fails at start), then the NestJS context, then the ops port for probes and metrics.
 */
export async function startBusService(options: BusServiceOptions): Promise<RunningBusService> {
  const registry = createMetricsRegistry(options.service);
  const connection = withRequestLogContext(
    await connectNats({ ...options.nats, service: options.service }),
  );

  const sharedProviders: Provider[] = [
    ...messagingProviders({
      connection,
      service: options.service,
      logger: options.logger,
      metrics: rpcMetrics(registry),
    }),
    { provide: Registry, useValue: registry },
    { provide: APP_LOGGER, useValue: options.logger },
  ];

  const app = await NestFactory.createApplicationContext(options.module(sharedProviders), {
    logger: new NestLoggerAdapter(options.logger),
    abortOnError: false,
  });

  await app.init();
  await options.onStarted?.(app, connection);

  const ops = await startOpsServer({
    port: options.opsPort,
    registry,
    checks: { nats: () => pingNats(connection), ...options.readiness?.(app) },
  });

  options.logger.info({ opsPort: ops.port }, 'started');

  return {
    app,
    opsPort: ops.port,
    stop: async () => {
      await app.get(RpcServer).stop();
      await app.close();
      await connection.drain();
      await ops.close();
    },
  };
}
