import { jetstreamManager, JetStreamApiError, type StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

// JetStream's code for "stream name already in use", as another replica just created it.
const STREAM_NAME_EXISTS = 10058;

function isMissingStream(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.status === 404;
}

function isAlreadyCreated(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === STREAM_NAME_EXISTS;
}

/**
 * Creates a stream, or brings an existing one to the given configuration. Safe to call from every
 * replica of every service at once: losing the race to create it is the same as finding it.
 */
export async function ensureStream(
  connection: NatsConnection,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  const manager = await jetstreamManager(connection, { timeout: 5000 });

  try {
    await manager.streams.info(config.name);
  } catch (error) {
    if (!isMissingStream(error)) throw error;

    try {
      await manager.streams.add(config);

      return;
    } catch (addError) {
      if (!isAlreadyCreated(addError)) throw addError;
    }
  }

  await manager.streams.update(config.name, config);
}
