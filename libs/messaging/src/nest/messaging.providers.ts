import type { Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';

import type { AppLogger, RpcMetrics } from '@liya/runtime';

import { RpcClient } from '../rpc/rpc-client';
import { RpcServer } from '../rpc/rpc-server';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

export interface MessagingProviderOptions {
  connection: NatsConnection;
  service: string;
  logger: AppLogger;
  metrics?: RpcMetrics;
  requestTimeoutMs?: number;
}

/** The bus as NestJS providers: the connection, a client for calls, a server for handlers. */
export function messagingProviders(options: MessagingProviderOptions): Provider[] {
  return [
    { provide: NATS_CONNECTION, useValue: options.connection },
    { provide: RpcClient, useValue: new RpcClient(options.connection, options.requestTimeoutMs) },
    {
      provide: RpcServer,
      useValue: new RpcServer(options.connection, options.service, options.logger, options.metrics),
    },
  ];
}
