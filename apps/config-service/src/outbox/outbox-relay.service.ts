import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Gauge, Registry } from 'prom-client';
import { DataSource, IsNull } from 'typeorm';

import { NATS_CONNECTION } from '@liya/messaging';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

import { OutboxEventEntity } from './outbox-event.entity';
import { OUTBOX_POLL_INTERVAL_MS } from './outbox.tokens';

const BATCH_SIZE = 100;
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * Moves committed outbox events to JetStream. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so
 * several replicas relay side by side without sending one event twice; each event's id is its
 * JetStream message id, so a publish repeated after a crash is dropped by the stream's duplicate
 * window. Events of a batch go out in commit order, and a failure stops the batch to keep it.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly jetStream: JetStreamClient;
  private readonly backlog: Gauge;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wakeRequested = false;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) connection: NatsConnection,
    @Inject(OUTBOX_POLL_INTERVAL_MS) private readonly pollIntervalMs: number,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    registry: Registry,
  ) {
    this.jetStream = jetstream(connection, { timeout: PUBLISH_TIMEOUT_MS });
    this.backlog = new Gauge({
      name: 'liya_outbox_backlog',
      help: 'Outbox events committed but not yet published',
      registers: [registry],
      collect: async () => {
        this.backlog.set(await this.pendingCount().catch(() => -1));
      },
    });
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Asks for a relay pass now, after a commit, instead of at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;

      return;
    }

    this.schedule(0);
  }

  async pendingCount(): Promise<number> {
    return this.dataSource.manager.count(OutboxEventEntity, { where: { publishedAt: IsNull() } });
  }

  /** One pass: publishes pending events until none are left or one fails. */
  async relayPending(): Promise<number> {
    let published = 0;

    for (;;) {
      const batch = await this.relayBatch();

      published += batch.published;
      if (batch.failed || batch.published < BATCH_SIZE) return published;
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.relayPending()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.logger.warn({ err: serializeError(error) }, 'outbox relay pass failed');
        })
        .finally(() => {
          this.running = undefined;
          if (this.stopped) return;

          const again = this.wakeRequested;

          this.wakeRequested = false;
          this.schedule(again ? 0 : this.pollIntervalMs);
        });
    }, delayMs);
  }

  private async relayBatch(): Promise<{ published: number; failed: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const pending = await manager
        .createQueryBuilder(OutboxEventEntity, 'event')
        .where('event.published_at IS NULL')
        .orderBy('event.seq', 'ASC')
        .limit(BATCH_SIZE)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();

      let published = 0;
      for (const event of pending) {
        try {
          await this.jetStream.publish(event.subject, JSON.stringify(event.payload), {
            msgID: event.id,
            timeout: PUBLISH_TIMEOUT_MS,
          });
        } catch (error) {
          await manager.increment(OutboxEventEntity, { id: event.id }, 'attempts', 1);
          this.logger.warn(
            { eventId: event.id, tenantId: event.tenantId, err: serializeError(error) },
            'audit event not yet published; will retry',
          );

          return { published, failed: true };
        }

        await manager.update(OutboxEventEntity, { id: event.id }, { publishedAt: new Date() });
        published += 1;
      }

      return { published, failed: false };
    });
  }
}
