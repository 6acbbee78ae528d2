import type { NatsConnection } from '@nats-io/transport-node';

import {
  AUDIT_RECEIPT_SUBJECT,
  type AuditReceipt,
  auditReceiptSchema,
  MAX_RECEIPT_EVENT_IDS,
} from '@liya/contracts';

/**
 * Tells config-service which events are in the audit table. Fire-and-forget on purpose: a receipt
 * lost on the way only means the outbox publishes the event again and gets a receipt for that.
 */
export class ReceiptPublisher {
  constructor(private readonly connection: NatsConnection) {}

  publish(eventIds: string[]): void {
    for (let start = 0; start < eventIds.length; start += MAX_RECEIPT_EVENT_IDS) {
      const receipt: AuditReceipt = auditReceiptSchema.parse({
        schema_version: 1,
        event_ids: eventIds.slice(start, start + MAX_RECEIPT_EVENT_IDS),
      });

      this.connection.publish(AUDIT_RECEIPT_SUBJECT, JSON.stringify(receipt));
    }
  }
}
