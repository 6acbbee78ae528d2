import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { ByokConfigUpdatedEvent } from '@liya/contracts';

import { CHAIN_GENESIS_HASH, chainHash } from '../audit-chain/chain-hash';
import { DeadLetterEntity } from './dead-letter.entity';
import { normalizedEvent } from './stored-event';

export type StoreOutcome = 'stored' | 'duplicate';

interface ChainHead {
  length: number;
  hash: string;
}

interface ChainedRow {
  event: ByokConfigUpdatedEvent;
  chainIndex: number;
  prevHash: string;
  rowHash: string;
}

/**
 * Appends events to the audit log. A batch is one transaction that first locks the chain head of
 * every tenant it touches (in tenant order, so two writers never deadlock); a tenant's inserts are
 * therefore serialised and each row links to the row stored just before it. An event id already
 * stored, or seen earlier in the same batch, is a duplicate and leaves the log as it is.
 */
@Injectable()
export class AuditWriter {
  constructor(private readonly dataSource: DataSource) {}

  async storeBatch(events: ByokConfigUpdatedEvent[]): Promise<StoreOutcome[]> {
    if (events.length === 0) return [];

    return this.dataSource.transaction(async (manager) => {
      const heads = await this.lockHeads(manager, events);
      const existing = await this.existingIds(manager, events);
      const outcomes: StoreOutcome[] = [];
      const rows: ChainedRow[] = [];

      for (const raw of events) {
        if (existing.has(raw.event_id)) {
          outcomes.push('duplicate');
          continue;
        }

        const event = normalizedEvent(raw);
        const head = heads.get(event.tenant_id) as ChainHead;
        const chainIndex = head.length + 1;
        const rowHash = chainHash(head.hash, { chainIndex, event });

        rows.push({ event, chainIndex, prevHash: head.hash, rowHash });
        heads.set(event.tenant_id, { length: chainIndex, hash: rowHash });
        existing.add(event.event_id);
        outcomes.push('stored');
      }

      if (rows.length > 0) {
        await this.insertRows(manager, rows);
        await this.saveHeads(manager, heads);
      }

      return outcomes;
    });
  }

  async deadLetter(subject: string, streamSequence: number, reason: string, sizeBytes: number) {
    await this.dataSource.manager.insert(DeadLetterEntity, {
      subject,
      streamSequence: String(streamSequence),
      reason,
      sizeBytes,
    });
  }

  private async lockHeads(manager: EntityManager, events: ByokConfigUpdatedEvent[]) {
    const tenants = [...new Set(events.map((event) => event.tenant_id))].sort();

    await manager.query(
      `INSERT INTO audit.chain_heads (tenant_id, chain_length, head_hash)
       SELECT tenant_id, 0, $2 FROM unnest($1::text[]) AS tenant_id
       ON CONFLICT (tenant_id) DO NOTHING`,
      [tenants, CHAIN_GENESIS_HASH],
    );

    const rows: Array<{ tenant_id: string; chain_length: string; head_hash: string }> =
      await manager.query(
        `SELECT tenant_id, chain_length, head_hash FROM audit.chain_heads
          WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id FOR UPDATE`,
        [tenants],
      );

    return new Map<string, ChainHead>(
      rows.map((row) => [row.tenant_id, { length: Number(row.chain_length), hash: row.head_hash }]),
    );
  }

  private async existingIds(manager: EntityManager, events: ByokConfigUpdatedEvent[]) {
    const rows: Array<{ event_id: string }> = await manager.query(
      `SELECT event_id FROM audit.audit_events WHERE event_id = ANY($1::uuid[])`,
      [events.map((event) => event.event_id)],
    );

    return new Set(rows.map((row) => row.event_id));
  }

  // One statement for the whole batch; unnest keeps the arrays' order, which is the chain order.
  private async insertRows(manager: EntityManager, rows: ChainedRow[]): Promise<void> {
    const column = <T>(pick: (row: ChainedRow) => T) => rows.map(pick);

    await manager.query(
      `INSERT INTO audit.audit_events (event_id, tenant_id, action, actor_id, occurred_at,
         config_version, before, after, request_id, source_ip, user_agent,
         chain_index, prev_hash, row_hash)
       SELECT event_id, tenant_id, action, actor_id, occurred_at, config_version,
              before::jsonb, after::jsonb, request_id, source_ip, user_agent,
              chain_index, prev_hash, row_hash
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],
                     $6::integer[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                     $12::bigint[], $13::text[], $14::text[])
           AS batch(event_id, tenant_id, action, actor_id, occurred_at, config_version,
                    before, after, request_id, source_ip, user_agent,
                    chain_index, prev_hash, row_hash)`,
      [
        column((row) => row.event.event_id),
        column((row) => row.event.tenant_id),
        column((row) => row.event.action),
        column((row) => row.event.actor_id),
        column((row) => row.event.occurred_at),
        column((row) => row.event.config_version),
        column((row) => JSON.stringify(row.event.before)),
        column((row) => JSON.stringify(row.event.after)),
        column((row) => row.event.request_id),
        column((row) => row.event.source_ip),
        column((row) => row.event.user_agent),
        column((row) => row.chainIndex),
        column((row) => row.prevHash),
        column((row) => row.rowHash),
      ],
    );
  }

  private async saveHeads(manager: EntityManager, heads: Map<string, ChainHead>): Promise<void> {
    const tenants = [...heads.keys()];

    await manager.query(
      `UPDATE audit.chain_heads AS head
          SET chain_length = next.chain_length, head_hash = next.head_hash, updated_at = now()
         FROM unnest($1::text[], $2::bigint[], $3::text[])
           AS next(tenant_id, chain_length, head_hash)
        WHERE head.tenant_id = next.tenant_id AND head.chain_length <> next.chain_length`,
      [
        tenants,
        tenants.map((tenant) => heads.get(tenant)?.length),
        tenants.map((tenant) => heads.get(tenant)?.hash),
      ],
    );
  }
}
