import { z } from 'zod';

/**
 * audit-service publishes a receipt once events are in the audit table (stored now, or found
 * stored from an earlier delivery). config-service keeps each outbox event until a receipt names
 * it, and publishes it again when none comes in time, so a message the broker acknowledged and then
 * lost still reaches the audit log. Core NATS, not JetStream: a lost receipt only causes a harmless
 * re-publish, which audit-service answers with a new receipt.
 */
export const AUDIT_RECEIPT_SUBJECT = 'audit.receipts';

export const MAX_RECEIPT_EVENT_IDS = 500;

export const auditReceiptSchema = z.strictObject({
  schema_version: z.literal(1),
  event_ids: z.array(z.uuid()).min(1).max(MAX_RECEIPT_EVENT_IDS),
});

export type AuditReceipt = z.infer<typeof auditReceiptSchema>;
