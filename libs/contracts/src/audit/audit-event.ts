import { z } from 'zod';

import { PROVIDER_NAMES } from '../provider-config/providers';

export const AUDIT_STREAM = 'AUDIT';
export const BYOK_CONFIG_UPDATED_SUBJECT = 'audit.byok_config_updated';
export const BYOK_CONFIG_UPDATED_ACTION = 'byok_config_updated';

const configSnapshot = z.strictObject({
  mode: z.enum(['byok', 'liya_managed']),
  providers: z.array(z.enum(PROVIDER_NAMES)),
});

/**
 * Version 1 of the event, checked by the producer before it is written to the outbox and by the
 * consumer before it is stored. It names which providers were configured, never a key.
 */
export const byokConfigUpdatedEventSchema = z.strictObject({
  schema_version: z.literal(1),
  event_id: z.uuid(),
  action: z.literal(BYOK_CONFIG_UPDATED_ACTION),
  tenant_id: z.string().min(1).max(128),
  actor_id: z.string().min(1).max(256),
  occurred_at: z.iso.datetime(),
  before: configSnapshot,
  after: configSnapshot,
  config_version: z.number().int().nonnegative(),
  request_id: z.string().max(128),
  source_ip: z.string().max(64).nullable(),
  user_agent: z.string().max(512).nullable(),
});

export type ByokConfigUpdatedEvent = z.infer<typeof byokConfigUpdatedEventSchema>;

export type ConfigSnapshot = z.infer<typeof configSnapshot>;
