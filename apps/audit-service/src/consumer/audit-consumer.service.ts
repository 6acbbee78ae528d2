import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { Counter, Registry } from 'prom-client';

import { AUDIT_STREAM, BYOK_CONFIG_UPDATED_SUBJECT } from '@liya/contracts';
import { ensureAuditStream, NATS_CONNECTION } from '@liya/messaging';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

import { AuditWriter } from '../audit-log/audit-writer.service';
import { registerConsumerLagGauges } from './consumer-lag.metrics';
import { type ParsedMessage, parseAuditMessage } from './parse-audit-message';
import { ReceiptPublisher } from './receipt-publisher';

/** A delivered message that parsed as an audit event. */
type ParsedEntry = { message: JsMsg; parsed: Extract<ParsedMessage, { ok: true }> };

export const AUDIT_CONSUMER = 'audit-service';
const MAX_DELIVER = 20;
const RETRY_DELAY_MS = 2000;
const MAX_BATCH = 200;

/**
 * Reads the AUDIT stream through a durable pull consumer with explicit acks. Messages that arrive
 * while a batch is being stored are stored together as the next batch, in stream order. A message
 * is acked only after its event is in the audit table, and a receipt then tells the outbox it may
 * stop re-publishing it. A message that cannot be parsed is dead-lettered and acked, so it never
 * holds up the events behind it; a storage failure is retried after a delay, up to MAX_DELIVER
 * deliveries, after which the outbox's re-publish brings the event back.
 */
@Injectable()
export class AuditConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly buffer: JsMsg[] = [];
  private draining: Promise<void> | undefined;
  private readonly outcomes: Counter<'outcome'>;
  private readonly receipts: ReceiptPublisher;

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly writer: AuditWriter,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    registry: Registry,
  ) {
    this.outcomes = new Counter({
      name: 'liya_audit_messages_total',
      help: 'Audit messages consumed, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.receipts = new ReceiptPublisher(connection);
    registerConsumerLagGauges(registry, connection, AUDIT_CONSUMER);
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureAuditStream(this.connection);

    const manager = await jetstreamManager(this.connection, { timeout: 5000 });

    await manager.consumers.add(AUDIT_STREAM, {
      durable_name: AUDIT_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: BYOK_CONFIG_UPDATED_SUBJECT,
      ack_wait: nanos(30_000),
      max_deliver: MAX_DELIVER,
      max_ack_pending: 1000,
    });

    const consumer = await jetstream(this.connection).consumers.get(AUDIT_STREAM, AUDIT_CONSUMER);

    this.messages = await consumer.consume({ max_messages: 256 });
    this.loop = this.consumeAll(this.messages);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async consumeAll(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      this.buffer.push(message);
      this.startDraining();
    }

    await this.draining;
  }

  private startDraining(): void {
    if (this.draining) return;

    this.draining = this.drain()
      .catch((error: unknown) => {
        this.logger.error({ err: serializeError(error) }, 'audit batch failed unexpectedly');
      })
      .finally(() => {
        this.draining = undefined;
        // A message may have arrived between the last batch and this callback.
        if (this.buffer.length > 0) this.startDraining();
      });
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      await this.handleBatch(this.buffer.splice(0, MAX_BATCH));
    }
  }

  private async handleBatch(messages: JsMsg[]): Promise<void> {
    const parsed = messages.map((message) => ({ message, parsed: parseAuditMessage(message) }));
    const valid = parsed.filter((entry): entry is ParsedEntry => entry.parsed.ok);

    for (const entry of parsed) {
      if (!entry.parsed.ok) await this.deadLetter(entry.message, entry.parsed.reason);
    }

    if (valid.length === 0) return;

    try {
      const outcomes = await this.writer.storeBatch(valid.map((entry) => entry.parsed.event));

      this.settle(valid, outcomes);
    } catch (error) {
      if (valid.length === 1) return this.retryLater(valid[0]!.message, error);

      // One event may be what fails the batch: store them one by one so the others go through.
      for (const entry of valid) {
        try {
          this.settle([entry], await this.writer.storeBatch([entry.parsed.event]));
        } catch (singleError) {
          this.retryLater(entry.message, singleError);
        }
      }
    }
  }

  /** Acks events now in the table, then tells the outbox with a receipt. */
  private settle(entries: ParsedEntry[], outcomes: Array<'stored' | 'duplicate'>): void {
    entries.forEach((entry, index) => {
      const outcome = outcomes[index] ?? 'stored';
      const { event } = entry.parsed;

      this.outcomes.inc({ outcome });
      this.logger.info(
        { eventId: event.event_id, tenantId: event.tenant_id, outcome },
        'audit event received',
      );
      entry.message.ack();
    });

    this.receipts.publish(entries.map((entry) => entry.parsed.event.event_id));
  }

  private async deadLetter(message: JsMsg, reason: string): Promise<void> {
    try {
      await this.writer.deadLetter(message.subject, message.seq, reason, message.data.length);
    } catch (error) {
      return this.retryLater(message, error);
    }

    this.outcomes.inc({ outcome: 'dead_lettered' });
    this.logger.warn({ streamSequence: message.seq, reason }, 'audit message dead-lettered');
    message.ack();
  }

  private retryLater(message: JsMsg, error: unknown): void {
    const lastDelivery = message.info.deliveryCount >= MAX_DELIVER;

    this.outcomes.inc({ outcome: lastDelivery ? 'given_up' : 'retry' });
    this.logger.error(
      {
        streamSequence: message.seq,
        delivery: message.info.deliveryCount,
        err: serializeError(error),
      },
      lastDelivery
        ? 'audit event not stored after the last delivery; the outbox will publish it again'
        : 'audit event not stored; will retry',
    );
    message.nak(RETRY_DELAY_MS);
  }
}
