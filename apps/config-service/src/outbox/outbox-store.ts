import type { DataSource, EntityManager } from 'typeorm';

/** One outbox row as the relay reads it. */
export interface OutboxRow {
  id: string;
  tenant_id: string;
  subject: string;
  payload: object;
  publish_count: number;
}

// Key space of the per-tenant relay locks (pg advisory locks), so they collide with no others.
const RELAY_LOCK_SPACE = 0x6f627831;
// Pending rows looked at to find tenants to relay, and tenants one replica takes per batch, so
// replicas share a backlog of many tenants instead of one taking them all.
const CANDIDATE_WINDOW = 1000;
const TENANTS_PER_BATCH = 32;

/**
 * The relay's SQL. Pending events are claimed per tenant: a replica takes the transaction-scoped
 * advisory lock of each tenant it relays (try-lock, so replicas skip each other instead of
 * waiting) and then that tenant's oldest pending rows, so one tenant's events are published by one
 * replica at a time, in commit order, while other tenants' go out through other replicas.
 */
export class OutboxStore {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async claimPending(manager: EntityManager, limit: number): Promise<OutboxRow[]> {
    // Candidates stream out oldest first and the LIMIT stops the try-locks once enough are held,
    // so a replica never locks tenants it will not relay in this batch.
    const tenants: Array<{ tenant_id: string }> = await manager.query(
      `SELECT tenant_id FROM (
         SELECT tenant_id, min(seq) AS first_seq FROM (
           SELECT tenant_id, seq FROM byok_config.outbox_events
            WHERE published_at IS NULL AND confirmed_at IS NULL
            ORDER BY seq LIMIT ${CANDIDATE_WINDOW}) AS oldest
          GROUP BY tenant_id ORDER BY first_seq) AS candidates
        WHERE pg_try_advisory_xact_lock(${RELAY_LOCK_SPACE}, hashtext(tenant_id))
        LIMIT ${TENANTS_PER_BATCH}`,
    );
    if (tenants.length === 0) return [];

    return manager.query(
      `SELECT id, tenant_id, subject, payload, publish_count FROM byok_config.outbox_events
        WHERE published_at IS NULL AND confirmed_at IS NULL AND tenant_id = ANY($1::text[])
        ORDER BY seq LIMIT ${Number(limit)}
        FOR UPDATE SKIP LOCKED`,
      [tenants.map((row) => row.tenant_id)],
    );
  }

  /** Published events whose receipt is overdue; row locks keep replicas off each other's rows. */
  async claimOverdue(manager: EntityManager, limit: number): Promise<OutboxRow[]> {
    return manager.query(
      `SELECT id, tenant_id, subject, payload, publish_count FROM byok_config.outbox_events
        WHERE published_at IS NOT NULL AND confirmed_at IS NULL AND republish_due_at <= now()
        ORDER BY republish_due_at LIMIT ${Number(limit)}
        FOR UPDATE SKIP LOCKED`,
    );
  }

  /** Records a publish the stream acknowledged, and when to publish again without a receipt. */
  async markPublished(
    manager: EntityManager,
    published: Array<{ id: string; publishCount: number; dueInMs: number }>,
  ): Promise<void> {
    if (published.length === 0) return;

    await manager.query(
      `UPDATE byok_config.outbox_events AS event
          SET published_at = now(), publish_count = done.publish_count,
              republish_due_at = now() + done.due_in_ms * interval '1 millisecond'
         FROM unnest($1::uuid[], $2::integer[], $3::bigint[])
           AS done(id, publish_count, due_in_ms)
        WHERE event.id = done.id`,
      [
        published.map((entry) => entry.id),
        published.map((entry) => entry.publishCount),
        published.map((entry) => entry.dueInMs),
      ],
    );
  }

  async countFailedAttempt(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `UPDATE byok_config.outbox_events SET attempts = attempts + 1 WHERE id = $1`,
      [id],
    );
  }

  /** Marks events audit-service has stored; returns how many were newly confirmed. */
  async confirm(eventIds: string[]): Promise<number> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [, confirmed] = (await this.dataSource.query(
      `UPDATE byok_config.outbox_events SET confirmed_at = now()
        WHERE id = ANY($1::uuid[]) AND confirmed_at IS NULL`,
      [eventIds],
    )) as [unknown[], number];

    return confirmed;
  }

  /** Deletes confirmed events older than the retention, a bounded number at a time. */
  async pruneConfirmed(retentionMs: number, limit = 1000): Promise<number> {
    const [, deleted] = (await this.dataSource.query(
      `DELETE FROM byok_config.outbox_events WHERE id IN (
         SELECT id FROM byok_config.outbox_events
          WHERE confirmed_at < now() - $1 * interval '1 millisecond'
          LIMIT ${Number(limit)})`,
      [retentionMs],
    )) as [unknown[], number];

    return deleted;
  }

  async counts(): Promise<{ pending: number; unconfirmed: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE published_at IS NULL) AS pending,
              count(*) FILTER (WHERE published_at IS NOT NULL) AS unconfirmed
         FROM byok_config.outbox_events WHERE confirmed_at IS NULL`,
    )) as Array<{ pending: string; unconfirmed: string }>;

    return { pending: Number(row?.pending ?? 0), unconfirmed: Number(row?.unconfirmed ?? 0) };
  }
}
