import { randomUUID } from 'node:crypto';

import type { NatsConnection } from '@nats-io/transport-node';

import { AUDIT_RECEIPT_SUBJECT, auditReceiptSchema } from '@liya/contracts';

import { ReceiptPublisher } from './receipt-publisher';

describe('ReceiptPublisher', () => {
  it('splits many event ids into receipts the contract accepts, none lost', () => {
    const sent: Array<{ subject: string; body: string }> = [];
    const connection = {
      publish: (subject: string, body: string) => sent.push({ subject, body }),
    } as unknown as NatsConnection;
    const ids = Array.from({ length: 1201 }, () => randomUUID());

    new ReceiptPublisher(connection).publish(ids);

    const receipts = sent.map((message) => auditReceiptSchema.parse(JSON.parse(message.body)));

    expect(sent.every((message) => message.subject === AUDIT_RECEIPT_SUBJECT)).toBe(true);
    expect(receipts.map((receipt) => receipt.event_ids.length)).toEqual([500, 500, 201]);
    expect(receipts.flatMap((receipt) => receipt.event_ids)).toEqual(ids);
  });
});
