import type { AuditChainBreak, AuditVerifyReply } from '@liya/contracts';

import { eventOfRow, type StoredEventRow } from '../audit-log/stored-event';
import { CHAIN_GENESIS_HASH, chainHash } from './chain-hash';

/** Runs one SQL statement; a TypeORM DataSource or a pg client both fit. */
export type SqlQuery = (sql: string, params: unknown[]) => Promise<unknown[]>;

interface ChainRow extends StoredEventRow {
  chain_index: string;
  prev_hash: string;
  row_hash: string;
}

const PAGE_SIZE = 1000;

/**
 * Walks a tenant's chain from its first row, recomputing every hash from the stored content, and
 * names the first row that does not fit: content changed (hash_mismatch), the row before it
 * changed or was replaced (link_mismatch), a row missing or moved (index_gap), rows missing at
 * the end compared with the chain head (missing_tail), or a head that disagrees with the last
 * row (head_mismatch). Known gap: a tenant whose rows and chain head were all deleted reads as an
 * empty, intact chain; only a copy of the heads kept elsewhere would show it.
 */
export async function verifyTenantChain(query: SqlQuery, tenantId: string) {
  let expectedIndex = 1;
  let previousHash = CHAIN_GENESIS_HASH;
  let lastEventId: string | null = null;
  let firstBroken: AuditChainBreak | null = null;

  while (!firstBroken) {
    const rows = (await query(
      `SELECT event_id, tenant_id, actor_id, occurred_at, config_version, before, after,
              request_id, source_ip, user_agent, chain_index, prev_hash, row_hash
         FROM audit.audit_events
        WHERE tenant_id = $1 AND chain_index >= $2
        ORDER BY chain_index LIMIT ${PAGE_SIZE}`,
      [tenantId, expectedIndex],
    )) as ChainRow[];

    for (const row of rows) {
      firstBroken = checkRow(row, expectedIndex, previousHash);
      if (firstBroken) break;

      previousHash = row.row_hash;
      lastEventId = row.event_id;
      expectedIndex += 1;
    }

    if (rows.length < PAGE_SIZE) break;
  }

  const rowsChecked = expectedIndex - 1;
  if (!firstBroken) {
    firstBroken = await checkHead(query, tenantId, { rowsChecked, previousHash, lastEventId });
  }

  const reply: AuditVerifyReply = {
    tenantId,
    intact: firstBroken === null,
    rowsChecked,
    headHash: rowsChecked > 0 ? previousHash : null,
    firstBroken,
  };

  return reply;
}

function checkRow(row: ChainRow, expectedIndex: number, previousHash: string) {
  const broken = (reason: AuditChainBreak['reason']): AuditChainBreak => ({
    chainIndex: Number(row.chain_index),
    eventId: row.event_id,
    reason,
  });

  if (Number(row.chain_index) !== expectedIndex) return broken('index_gap');
  if (row.prev_hash !== previousHash) return broken('link_mismatch');

  const recomputed = chainHash(previousHash, { chainIndex: expectedIndex, event: eventOfRow(row) });

  return recomputed === row.row_hash ? null : broken('hash_mismatch');
}

/** The head records the chain's length and last hash, so rows cut from the end show too. */
async function checkHead(
  query: SqlQuery,
  tenantId: string,
  walked: { rowsChecked: number; previousHash: string; lastEventId: string | null },
): Promise<AuditChainBreak | null> {
  const [head] = (await query(
    `SELECT chain_length, head_hash FROM audit.chain_heads WHERE tenant_id = $1`,
    [tenantId],
  )) as Array<{ chain_length: string; head_hash: string }>;
  const length = head ? Number(head.chain_length) : 0;
  const headHash = head?.head_hash ?? CHAIN_GENESIS_HASH;

  if (length > walked.rowsChecked) {
    return { chainIndex: walked.rowsChecked + 1, eventId: null, reason: 'missing_tail' };
  }
  if (length < walked.rowsChecked || headHash !== walked.previousHash) {
    return { chainIndex: walked.rowsChecked, eventId: walked.lastEventId, reason: 'head_mismatch' };
  }

  return null;
}
