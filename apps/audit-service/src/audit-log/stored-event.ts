import {
  BYOK_CONFIG_UPDATED_ACTION,
  type ByokConfigUpdatedEvent,
  type ConfigSnapshot,
} from '@liya/contracts';

/** The columns of audit.audit_events that hold the event itself. */
export interface StoredEventRow {
  event_id: string;
  tenant_id: string;
  actor_id: string;
  occurred_at: Date;
  config_version: number;
  before: ConfigSnapshot;
  after: ConfigSnapshot;
  request_id: string;
  source_ip: string | null;
  user_agent: string | null;
}

/**
 * The event as stored. `occurred_at` is kept at millisecond precision (see `normalizedEvent`), so
 * the event read back equals the event that was hashed when it was stored.
 */
export function eventOfRow(row: StoredEventRow): ByokConfigUpdatedEvent {
  return {
    schema_version: 1,
    event_id: row.event_id,
    action: BYOK_CONFIG_UPDATED_ACTION,
    tenant_id: row.tenant_id,
    actor_id: row.actor_id,
    occurred_at: row.occurred_at.toISOString(),
    before: row.before,
    after: row.after,
    config_version: row.config_version,
    request_id: row.request_id,
    source_ip: row.source_ip,
    user_agent: row.user_agent,
  };
}

/** The event with its instant cut to the precision a JavaScript Date reads back. */
export function normalizedEvent(event: ByokConfigUpdatedEvent): ByokConfigUpdatedEvent {
  return { ...event, occurred_at: new Date(event.occurred_at).toISOString() };
}
