import type { JsMsg } from '@nats-io/jetstream';

import { type ByokConfigUpdatedEvent, byokConfigUpdatedEventSchema } from '@liya/contracts';

export type ParsedMessage =
  { ok: true; event: ByokConfigUpdatedEvent } | { ok: false; reason: string };

/**
 * Reads a message as a versioned audit event. The reason for a refusal names fields only, never
 * values: a malformed message may hold anything, keys included.
 */
export function parseAuditMessage(message: Pick<JsMsg, 'json'>): ParsedMessage {
  let body: unknown;
  try {
    body = message.json();
  } catch {
    return { ok: false, reason: 'not JSON' };
  }

  const result = byokConfigUpdatedEventSchema.safeParse(body);
  if (!result.success) {
    const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.')))];

    return { ok: false, reason: `schema mismatch at ${fields.slice(0, 5).join(', ')}` };
  }

  return { ok: true, event: result.data };
}
