import { randomUUID } from 'node:crypto';

import type { DataSource } from 'typeorm';

import type { ByokConfigUpdatedEvent } from '@liya/contracts';
import { provisionTestInfrastructure, type TestInfrastructure } from '@liya/dev-kit';
import { initializeDatabase, runMigrations } from '@liya/persistence';

import { verifyTenantChain } from '../src/audit-chain/chain-verifier';
import { AuditWriter } from '../src/audit-log/audit-writer.service';
import { createAuditDataSource } from '../src/database/data-source';

function eventOf(tenantId: string, version: number): ByokConfigUpdatedEvent {
  return {
    schema_version: 1,
    event_id: randomUUID(),
    action: 'byok_config_updated',
    tenant_id: tenantId,
    actor_id: 'user-1',
    occurred_at: '2026-12-04T10:00:00.123456Z',
    before: { mode: 'liya_managed', providers: [] },
    after: { mode: 'byok', providers: ['openai'] },
    config_version: version,
    request_id: `req-${version}`,
    source_ip: null,
    user_agent: 'jest',
  };
}

describe('the audit chain on PostgreSQL', () => {
  let infrastructure: TestInfrastructure;
  let databaseUrl: string;
  let writers: Array<{ dataSource: DataSource; writer: AuditWriter }>;
  let dataSource: DataSource;

  const verify = (tenantId: string) =>
    verifyTenantChain((sql, params) => dataSource.query(sql, params), tenantId);
  const tamper = (sql: string) =>
    dataSource.query(`DO $$ BEGIN SET LOCAL session_replication_role = replica; ${sql}; END $$`);

  beforeAll(async () => {
    infrastructure = await provisionTestInfrastructure();
    databaseUrl = infrastructure.databaseUrl;
    await runMigrations(createAuditDataSource(databaseUrl), databaseUrl);
    writers = await Promise.all(
      [1, 2].map(async () => {
        const source = createAuditDataSource(databaseUrl);

        await initializeDatabase(source, databaseUrl);

        return { dataSource: source, writer: new AuditWriter(source) };
      }),
    );
    dataSource = writers[0]!.dataSource;
  });

  afterAll(async () => {
    for (const { dataSource: source } of writers ?? []) await source.destroy();
    await infrastructure?.release();
  });

  it('chains concurrent writers of one tenant without gaps or forks', async () => {
    const events = Array.from({ length: 120 }, (_, index) => eventOf('shared', index + 1));
    const batches = Array.from({ length: 24 }, (_, index) =>
      events.slice(index * 5, index * 5 + 5),
    );

    await Promise.all(batches.map((batch, index) => writers[index % 2]!.writer.storeBatch(batch)));

    const rows: Array<{ chain_index: string }> = await dataSource.query(
      `SELECT chain_index FROM audit.audit_events WHERE tenant_id = 'shared' ORDER BY chain_index`,
    );

    expect(rows.map((row) => Number(row.chain_index))).toEqual(
      Array.from({ length: 120 }, (_, index) => index + 1),
    );
    expect(await verify('shared')).toMatchObject({ intact: true, rowsChecked: 120 });
  });

  it('stores an event id once, across batches and within one', async () => {
    const first = eventOf('dupes', 1);
    const second = eventOf('dupes', 2);

    expect(await writers[0]!.writer.storeBatch([first, first, second])).toEqual([
      'stored',
      'duplicate',
      'stored',
    ]);
    expect(await writers[1]!.writer.storeBatch([second])).toEqual(['duplicate']);
    expect(await verify('dupes')).toMatchObject({ intact: true, rowsChecked: 2 });
  });

  it('names a row removed from the middle, and a row edited with a forged hash', async () => {
    const events = Array.from({ length: 4 }, (_, index) => eventOf('cut', index + 1));

    await writers[0]!.writer.storeBatch(events);

    await tamper(`DELETE FROM audit.audit_events WHERE tenant_id = 'cut' AND chain_index = 2`);
    expect((await verify('cut')).firstBroken).toEqual({
      chainIndex: 3,
      eventId: events[2]!.event_id,
      reason: 'index_gap',
    });

    const relinked = Array.from({ length: 3 }, (_, index) => eventOf('relinked', index + 1));

    await writers[0]!.writer.storeBatch(relinked);
    await tamper(
      `UPDATE audit.audit_events SET actor_id = 'mallory', row_hash = repeat('a', 64)
        WHERE tenant_id = 'relinked' AND chain_index = 2`,
    );
    expect((await verify('relinked')).firstBroken).toEqual({
      chainIndex: 2,
      eventId: relinked[1]!.event_id,
      reason: 'hash_mismatch',
    });
  });

  it('names a chain head that no longer matches the last row', async () => {
    await writers[0]!.writer.storeBatch([eventOf('headless', 1)]);
    await dataSource.query(
      `UPDATE audit.chain_heads SET head_hash = repeat('b', 64) WHERE tenant_id = 'headless'`,
    );

    expect((await verify('headless')).firstBroken).toMatchObject({
      chainIndex: 1,
      reason: 'head_mismatch',
    });
    expect(await verify('nobody')).toEqual({
      tenantId: 'nobody',
      intact: true,
      rowsChecked: 0,
      headHash: null,
      firstBroken: null,
    });
  });
});
