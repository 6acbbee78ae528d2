import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Counter } from 'prom-client';

import { AUDIT_RECEIPT_SUBJECT, auditReceiptSchema } from '@liya/contracts';
import { type AppLogger, serializeError } from '@liya/runtime';

import type { OutboxStore } from './outbox-store';

const FLUSH_DELAY_MS = 20;
const MAX_IDS_PER_UPDATE = 1000;

/**
 * Takes audit-service's receipts and marks the named outbox events confirmed. Replicas share the
 * subject through a queue group, so each receipt is applied once. Receipts arriving close together
 * are applied in one UPDATE. A receipt that cannot be applied (database down) is dropped: the
 * event stays unconfirmed, is published again, and audit-service answers with a fresh receipt.
 * Known gap: receipts are not signed, so only the NATS permissions (audit-service alone may
 * publish on the receipt subject) keep a forged receipt from retiring an event early.
 */
export class ReceiptListener {
  private subscription: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private queued = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: NatsConnection,
    private readonly store: OutboxStore,
    private readonly logger: AppLogger,
    private readonly confirmations: Counter,
  ) {}

  start(): void {
    this.subscription = this.connection.subscribe(AUDIT_RECEIPT_SUBJECT, {
      queue: 'config-service-outbox',
    });
    this.loop = this.listen(this.subscription);
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.loop;
    clearTimeout(this.flushTimer);
    await this.flush();
  }

  private async listen(subscription: Subscription): Promise<void> {
    for await (const message of subscription) {
      let body: unknown;
      try {
        body = message.json();
      } catch {
        body = undefined;
      }

      const receipt = auditReceiptSchema.safeParse(body);
      if (!receipt.success) {
        this.logger.warn(
          { subject: message.subject },
          'audit receipt ignored: not a valid receipt',
        );
        continue;
      }

      for (const id of receipt.data.event_ids) this.queued.add(id);
      this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
    }
  }

  private flush(): Promise<void> {
    this.flushTimer = undefined;
    this.flushing = this.flushing.then(() => this.applyQueued());

    return this.flushing;
  }

  private async applyQueued(): Promise<void> {
    while (this.queued.size > 0) {
      const ids = [...this.queued].slice(0, MAX_IDS_PER_UPDATE);

      for (const id of ids) this.queued.delete(id);
      try {
        this.confirmations.inc(await this.store.confirm(ids));
      } catch (error) {
        this.logger.warn(
          { events: ids.length, err: serializeError(error) },
          'audit receipts not applied; those events will be published again',
        );
      }
    }
  }
}
