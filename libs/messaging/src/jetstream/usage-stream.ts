import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';

import { USAGE_STREAM, USAGE_SUBJECT_PREFIX } from '@liya/contracts';

import { ensureStream } from './ensure-stream';

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

/** Creates the USAGE stream, or brings an existing one to the configuration above. */
export async function ensureUsageStream(connection: NatsConnection): Promise<void> {
  await ensureStream(connection, USAGE_STREAM_CONFIG);
}
