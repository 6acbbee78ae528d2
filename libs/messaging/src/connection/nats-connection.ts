import { connect, type NatsConnection, type SubscriptionOptions } from '@nats-io/transport-node';

import { displayUrl, requestLogContextOf, runWithLogContext } from '@liya/runtime';

export interface NatsTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface NatsSettings {
  url: string;
  user?: string;
  password?: string;
  /** Files of a TLS connection; without any, the connection follows the URL's scheme. */
  tls?: NatsTlsFiles;
}

export interface NatsConnectionOptions extends NatsSettings {
  service: string;
  connectTimeoutMs?: number;
}

/** The NATS variables every service schema shares, as connection settings. */
export function natsSettingsFrom(env: {
  NATS_URL: string;
  NATS_USER?: string;
  NATS_PASSWORD?: string;
  NATS_TLS_CA_FILE?: string;
  NATS_TLS_CERT_FILE?: string;
  NATS_TLS_KEY_FILE?: string;
}): NatsSettings {
  const tls: NatsTlsFiles = {
    caFile: env.NATS_TLS_CA_FILE,
    certFile: env.NATS_TLS_CERT_FILE,
    keyFile: env.NATS_TLS_KEY_FILE,
  };
  const usesTls = Object.values(tls).some(Boolean);

  return {
    url: env.NATS_URL,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    tls: usesTls ? tls : undefined,
  };
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
      // Async stack traces cost an Error per request on the hot path; our errors carry codes.
      noAsyncTraces: true,
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

/**
 * The connection with every subscription callback run inside its request's log context, so each
 * line a handler writes names the request and tenant of the message it serves. The ids are read
 * from the message only when a line is written.
 */
export function withRequestLogContext(connection: NatsConnection): NatsConnection {
  const subscribe: NatsConnection['subscribe'] = (subject, options?: SubscriptionOptions) => {
    const callback = options?.callback;
    if (!callback) return connection.subscribe(subject, options);

    return connection.subscribe(subject, {
      ...options,
      callback: (error, message) => {
        let context: ReturnType<typeof requestLogContextOf> | undefined;
        const read = () => (context ??= message ? requestLogContextOf(message.data) : {});

        runWithLogContext(read, () => callback(error, message));
      },
    });
  };

  return new Proxy(connection, {
    get(target, property) {
      if (property === 'subscribe') return subscribe;

      const value = Reflect.get(target, property, target) as unknown;

      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
