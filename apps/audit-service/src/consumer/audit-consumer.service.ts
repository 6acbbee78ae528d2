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

import {
  AUDIT_STREAM,
  BYOK_CONFIG_UPDATED_SUBJECT,
  byokConfigUpdatedEventSchema,
} from '@liya/contracts';
import { ensureAuditStream, NATS_CONNECTION } from '@liya/messaging';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

import { AuditLogService } from '../audit-log/audit-log.service';

export const AUDIT_CONSUMER = 'audit-service';
const MAX_DELIVER = 20;
const RETRY_DELAY_MS = 2000;

/**
 * Reads the AUDIT stream through a durable pull consumer with explicit acks. An event is acked
 * only after it is stored; one that cannot be parsed is dead-lettered and acked, so it never holds
 * up the events behind it; a storage failure is retried after a delay, up to MAX_DELIVER times.
 */
@Injectable()
export class AuditConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly auditLog: AuditLogService,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    registry: Registry,
  ) {
    this.outcomes = new Counter({
      name: 'liya_audit_messages_total',
      help: 'Audit messages consumed, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
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
      await this.handle(message);
    }
  }

  private async handle(message: JsMsg): Promise<void> {
    const parsed = this.parse(message);

    try {
      if (!parsed.ok) {
        await this.auditLog.deadLetter(
          message.subject,
          message.seq,
          parsed.reason,
          message.data.length,
        );
        this.outcomes.inc({ outcome: 'dead_lettered' });
        this.logger.warn(
          { streamSequence: message.seq, reason: parsed.reason },
          'audit message dead-lettered',
        );
        message.ack();

        return;
      }

      const outcome = await this.auditLog.store(parsed.event);

      this.outcomes.inc({ outcome });
      this.logger.info(
        { eventId: parsed.event.event_id, tenantId: parsed.event.tenant_id, outcome },
        'audit event received',
      );
      message.ack();
    } catch (error) {
      this.outcomes.inc({ outcome: 'retry' });
      this.logger.error(
        { streamSequence: message.seq, err: serializeError(error) },
        'audit event not stored; will retry',
      );
      message.nak(RETRY_DELAY_MS);
    }
  }

  private parse(message: JsMsg) {
    let body: unknown;
    try {
      body = message.json();
    } catch {
      return { ok: false as const, reason: 'not JSON' };
    }

    const result = byokConfigUpdatedEventSchema.safeParse(body);
    if (!result.success) {
      const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.')))];

      return { ok: false as const, reason: `schema mismatch at ${fields.slice(0, 5).join(', ')}` };
    }

    return { ok: true as const, event: result.data };
  }
}
