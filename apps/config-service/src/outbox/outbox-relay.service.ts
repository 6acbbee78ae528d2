import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Counter, Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';

import { NATS_CONNECTION } from '@liya/messaging';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

import { registerOutboxMetrics } from './outbox.metrics';
import {
  OUTBOX_SETTINGS,
  type OutboxSettings,
  republishDelayMs,
  TEST_FAULT_CRASH_BEFORE_PUBLISH,
} from './outbox-settings';
import { type OutboxRow, OutboxStore } from './outbox-store';
import { OUTBOX_POLL_INTERVAL_MS } from './outbox.tokens';
import { ReceiptListener } from './receipt-listener';
import { crashIfArmed } from './test-fault-point';

const BATCH_SIZE = 500;
const PUBLISH_TIMEOUT_MS = 5000;
const PRUNE_EVERY_MS = 10 * 60_000;

type PublishKind = 'first' | 'republish';

/**
 * Moves committed outbox events to JetStream and keeps each until audit-service's receipt says it
 * is stored. A first publish uses the event id as the JetStream message id, so a publish repeated
 * after a crash is dropped by the stream's duplicate window. An event whose receipt is overdue is
 * published again under a new message id (the window would drop the old one, though the message
 * may be gone); audit-service stores by event id, so a second copy changes nothing. Events of one
 * tenant go out in commit order from one replica at a time (see OutboxStore); a failed publish
 * stops that tenant's events, so nothing after it overtakes it.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly jetStream: JetStreamClient;
  private readonly store: OutboxStore;
  private readonly settings: OutboxSettings;
  private readonly receipts: ReceiptListener;
  private readonly published: Counter<'kind'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wakeRequested = false;
  private lastPruneAt = 0;
  private stopped = false;

  constructor(
    dataSource: DataSource,
    @Inject(NATS_CONNECTION) connection: NatsConnection,
    @Inject(OUTBOX_POLL_INTERVAL_MS) private readonly pollIntervalMs: number,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    registry: Registry,
    @Inject(OUTBOX_SETTINGS) settings: OutboxSettings,
  ) {
    this.settings = settings;
    this.jetStream = jetstream(connection, { timeout: PUBLISH_TIMEOUT_MS });
    this.store = new OutboxStore(dataSource);

    const metrics = registerOutboxMetrics(registry, this.store);

    this.published = metrics.published;
    this.receipts = new ReceiptListener(connection, this.store, logger, metrics.confirmed);
  }

  onApplicationBootstrap(): void {
    if (this.settings.ignoredFaultVariable) {
      this.logger.warn(
        { variable: TEST_FAULT_CRASH_BEFORE_PUBLISH },
        'test fault variable ignored: it is honoured only with NODE_ENV=test',
      );
    }

    this.receipts.start();
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.receipts.stop();
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

  /**
   * One pass: first publishes until none are left or one fails, then overdue re-publishes, and
   * now and then the removal of events confirmed longer ago than the retention.
   */
  async relayPending(): Promise<number> {
    let published = 0;

    for (const kind of ['first', 'republish'] as const) {
      for (;;) {
        const batch = await this.relayBatch(kind);

        published += batch.published;
        if (batch.failed || batch.claimed === 0) break;
      }
    }

    if (Date.now() - this.lastPruneAt >= PRUNE_EVERY_MS) {
      this.lastPruneAt = Date.now();
      await this.pruneConfirmed();
    }

    return published;
  }

  /** Deletes events confirmed longer ago than the retention; returns how many. */
  async pruneConfirmed(): Promise<number> {
    let pruned = 0;

    for (;;) {
      const deleted = await this.store.pruneConfirmed(this.settings.retentionMs);

      pruned += deleted;
      if (deleted === 0) return pruned;
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

  private async relayBatch(kind: PublishKind) {
    return this.store.transaction(async (manager) => {
      const rows =
        kind === 'first'
          ? await this.store.claimPending(manager, BATCH_SIZE)
          : await this.store.claimOverdue(manager, BATCH_SIZE);

      if (rows.length > 0) crashIfArmed(this.settings.crashBeforePublishFile);

      // Tenants go out side by side; one tenant's events one after the other, in commit order.
      const outcomes = await Promise.all(
        [...groupByTenant(rows).values()].map((tenantRows) =>
          this.publishInOrder(manager, tenantRows, kind),
        ),
      );
      const done = outcomes.flatMap((outcome) => outcome.done);

      await this.store.markPublished(manager, done);

      return {
        claimed: rows.length,
        published: done.length,
        failed: outcomes.some((outcome) => outcome.failed),
      };
    });
  }

  /** Publishes until one fails, so no later event of the tenant overtakes the failed one. */
  private async publishInOrder(manager: EntityManager, rows: OutboxRow[], kind: PublishKind) {
    const done: Array<{ id: string; publishCount: number; dueInMs: number }> = [];

    for (const row of rows) {
      if (!(await this.publish(manager, row, kind))) return { done, failed: true };

      const publishCount = row.publish_count + 1;

      done.push({
        id: row.id,
        publishCount,
        dueInMs: republishDelayMs(this.settings, publishCount),
      });
    }

    return { done, failed: false };
  }

  private async publish(manager: EntityManager, row: OutboxRow, kind: PublishKind) {
    // The first publish keeps the event id; a re-publish needs an id the window has not seen.
    const msgID = row.publish_count === 0 ? row.id : `${row.id}:${row.publish_count}`;

    try {
      await this.jetStream.publish(row.subject, JSON.stringify(row.payload), {
        msgID,
        timeout: PUBLISH_TIMEOUT_MS,
      });
    } catch (error) {
      // Other tenants' publishes share the transaction: this path must not throw.
      await this.store.countFailedAttempt(manager, row.id).catch(() => undefined);
      this.logger.warn(
        { eventId: row.id, tenantId: row.tenant_id, kind, err: serializeError(error) },
        'audit event not published; will retry',
      );

      return false;
    }

    this.published.inc({ kind });
    if (kind === 'republish') {
      this.logger.warn(
        { eventId: row.id, tenantId: row.tenant_id, publishCount: row.publish_count + 1 },
        'audit event published again: no receipt from audit-service in time',
      );
    }

    return true;
  }
}

function groupByTenant(rows: OutboxRow[]): Map<string, OutboxRow[]> {
  const groups = new Map<string, OutboxRow[]>();

  for (const row of rows) {
    const group = groups.get(row.tenant_id);

    if (group) group.push(row);
    else groups.set(row.tenant_id, [row]);
  }

  return groups;
}
