export * from './connection/nats-connection';
export * from './rpc/rpc-client';
export * from './rpc/rpc-server';
export * from './jetstream/audit-stream';
export * from './jetstream/usage-stream';
export * from './nest/messaging.providers';
export * from './nest/bus-service';
