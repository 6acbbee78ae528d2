import { connect, type NatsConnection } from '@nats-io/transport-node';

import { displayUrl } from '@liya/runtime';

export interface NatsConnectionOptions {
  url: string;
  service: string;
  user?: string;
  password?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  connectTimeoutMs?: number;
}

/**
 * Connects with the service's name and its own reply inbox prefix, so subject permissions can
 * keep each service's replies private. A failure names the URL (without credentials) in one line.
 */
export async function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  try {
    return await connect({
      servers: options.url.split(',').map((server) => server.trim()),
      name: options.service,
      inboxPrefix: `_INBOX.${options.service}`,
      user: options.user,
      pass: options.password,
      tls: options.tls,
      timeout: options.connectTimeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: false,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown error';

    throw new Error(`cannot reach NATS at ${displayUrl(options.url)} (${reason})`);
  }
}

/** A round trip to the server: what readiness probes ask of NATS. */
export async function pingNats(connection: NatsConnection): Promise<void> {
  if (connection.isClosed()) throw new Error('NATS connection is closed');

  await connection.flush();
}
