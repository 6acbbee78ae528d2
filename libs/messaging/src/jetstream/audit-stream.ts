import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';

import { AUDIT_STREAM, BYOK_CONFIG_UPDATED_SUBJECT } from '@liya/contracts';

import { ensureStream } from './ensure-stream';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Limits of the AUDIT stream. Retention is by limits, not interest, so events published while no
 * consumer exists are kept; `discard: new` makes a full stream refuse writes (the outbox retries)
 * rather than silently dropping the oldest unconsumed events. Within the duplicate window a
 * publish repeated under the same message id (the event id) is dropped; the outbox's re-publish of
 * an event with no receipt uses a new message id, so the window never hides an event the stream
 * acknowledged and then lost.
 */
export const AUDIT_STREAM_CONFIG: Partial<StreamConfig> & { name: string } = {
  name: AUDIT_STREAM,
  subjects: [BYOK_CONFIG_UPDATED_SUBJECT],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.New,
  duplicate_window: nanos(10 * 60 * 1000),
  max_age: nanos(30 * DAY_MS),
  max_bytes: 1024 * 1024 * 1024,
  max_msg_size: 64 * 1024,
  num_replicas: 1,
};

/** Creates the AUDIT stream, or brings an existing one to the configuration above. */
export async function ensureAuditStream(connection: NatsConnection): Promise<void> {
  await ensureStream(connection, AUDIT_STREAM_CONFIG);
}
