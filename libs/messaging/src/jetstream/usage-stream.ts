import {
  DiscardPolicy,
  jetstreamManager,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';

import { USAGE_STREAM, USAGE_SUBJECT_PREFIX } from '@liya/contracts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Limits of the USAGE stream. Billing consumes it at its own pace, so retention is by limits and
 * a full stream refuses new events (the publisher retries and counts failures) instead of
 * dropping unbilled ones; the duplicate window covers the publisher's retries.
 */
export const USAGE_STREAM_CONFIG: Partial<StreamConfig> & { name: string } = {
  name: USAGE_STREAM,
  subjects: [`${USAGE_SUBJECT_PREFIX}.>`],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.New,
  duplicate_window: nanos(2 * 60 * 1000),
  max_age: nanos(35 * DAY_MS),
  max_bytes: 8 * 1024 * 1024 * 1024,
  max_msg_size: 8 * 1024,
  num_replicas: 1,
};

function isMissingStream(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.status === 404;
}

// JetStream's code for "stream name already in use", as another replica just created it.
const STREAM_NAME_EXISTS = 10058;

function isAlreadyCreated(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === STREAM_NAME_EXISTS;
}

/**
 * Creates the USAGE stream, or brings an existing one to the configuration above. Safe to call
 * from every replica at once: losing the race to create it is the same as finding it.
 */
export async function ensureUsageStream(connection: NatsConnection): Promise<void> {
  const manager = await jetstreamManager(connection, { timeout: 5000 });

  try {
    await manager.streams.info(USAGE_STREAM);
  } catch (error) {
    if (!isMissingStream(error)) throw error;

    try {
      await manager.streams.add(USAGE_STREAM_CONFIG);

      return;
    } catch (addError) {
      if (!isAlreadyCreated(addError)) throw addError;
    }
  }

  await manager.streams.update(USAGE_STREAM, USAGE_STREAM_CONFIG);
}
