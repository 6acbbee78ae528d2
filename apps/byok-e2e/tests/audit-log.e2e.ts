import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { startSystemFixture, type SystemFixture } from '../support/system-fixture';
import { AUDIT_LOG_PATH, patchMany, VERIFY_PATH, waitForAuditRows } from './audit-support';

interface AuditPage {
  events: Array<{ event_id: string; tenant_id: string; config_version: number; action: string }>;
  nextCursor: string | null;
}

const VERIFY_CLI = join(__dirname, '..', '..', 'audit-service', 'dist', 'cli', 'verify-chain.js');

describe('the audit log: tenant-scoped reading, append-only rows, a verifiable chain', () => {
  let fixture: SystemFixture;
  let memberToken: string;

  beforeAll(async () => {
    fixture = await startSystemFixture();
    memberToken = fixture.tokenFor({ tenantId: 'reader', role: 'member', plan: 'free' });

    await patchMany(fixture, ['reader', 'tamper'], 5, { concurrency: 4 });
    await patchMany(fixture, ['neighbour'], 2);
    await waitForAuditRows(fixture, 12);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  async function auditLog(query: string, token = memberToken) {
    return fixture.request('GET', `${AUDIT_LOG_PATH}${query}`, { token });
  }

  function runVerifyCli(tenantId: string) {
    return spawnSync(process.execPath, [VERIFY_CLI, '--tenant', tenantId], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: fixture.infrastructure.databaseUrl },
      encoding: 'utf8',
      timeout: 30_000,
    });
  }

  it('pages a member through the own tenant events, newest first', async () => {
    const first = await auditLog('?limit=2');
    const firstPage = first.json() as AuditPage;

    expect(first.status).toBe(200);
    expect(firstPage.events.map((event) => event.config_version)).toEqual([5, 4]);
    expect(firstPage.nextCursor).toEqual(expect.any(String));

    const rest = (
      await auditLog(`?limit=10&cursor=${encodeURIComponent(firstPage.nextCursor ?? '')}`)
    ).json() as AuditPage;

    expect(rest.events.map((event) => event.config_version)).toEqual([3, 2, 1]);
    expect(rest.nextCursor).toBeNull();
    expect(
      [...firstPage.events, ...rest.events].every((event) => event.tenant_id === 'reader'),
    ).toBe(true);
  });

  it('filters by action and by an occurred_at range', async () => {
    const rows = await fixture.query<{ occurred_at: Date; config_version: number }>(
      `SELECT occurred_at, config_version FROM audit.audit_events WHERE tenant_id = 'reader'
        ORDER BY config_version DESC`,
    );
    const third = rows.find((row) => row.config_version === 3)?.occurred_at ?? new Date();
    const versionsWhere = (keep: (occurredAt: Date) => boolean) =>
      rows.filter((row) => keep(row.occurred_at)).map((row) => row.config_version);

    const byAction = (await auditLog('?action=byok_config_updated')).json() as AuditPage;
    const fromThird = (await auditLog(`?from=${third.toISOString()}`)).json() as AuditPage;
    const beforeThird = (await auditLog(`?to=${third.toISOString()}`)).json() as AuditPage;
    const future = (await auditLog('?from=2999-01-01T00:00:00Z')).json() as AuditPage;
    const versionsOf = (page: AuditPage) => page.events.map((event) => event.config_version);

    expect(versionsOf(byAction)).toEqual([5, 4, 3, 2, 1]);
    expect(versionsOf(fromThird)).toEqual(versionsWhere((at) => at >= third));
    expect(versionsOf(fromThird)).toContain(3);
    expect(versionsOf(beforeThird)).toEqual(versionsWhere((at) => at < third));
    expect(versionsOf(beforeThird)).not.toContain(3);
    expect(future.events).toEqual([]);
  });

  it('refuses an unknown action, a malformed instant, an empty range, a bad cursor', async () => {
    const answers = await Promise.all(
      [
        '?action=key_deleted',
        '?from=yesterday',
        '?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
        '?cursor=%25%25',
      ].map((query) => auditLog(query)),
    );

    expect(
      answers.map((answer) => [answer.status, (answer.json() as { field: string }).field]),
    ).toEqual([
      [400, 'action'],
      [400, 'from'],
      [400, 'from'],
      [400, 'cursor'],
    ]);
  });

  it('answers an intact chain for the caller tenant only', async () => {
    const verify = await fixture.request('GET', VERIFY_PATH, { token: memberToken });

    expect(verify.status).toBe(200);
    expect(verify.json()).toEqual({
      tenantId: 'reader',
      intact: true,
      rowsChecked: 5,
      headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      firstBroken: null,
    });
  });

  it('refuses updates, deletes and truncation of audit rows in the database', async () => {
    const attempts = [
      `UPDATE audit.audit_events SET actor_id = 'mallory' WHERE tenant_id = 'tamper'`,
      `DELETE FROM audit.audit_events WHERE tenant_id = 'tamper'`,
      `TRUNCATE audit.audit_events`,
    ];

    for (const sql of attempts) {
      await expect(fixture.query(sql)).rejects.toThrow(/audit rows are append-only/);
    }
    expect(
      await fixture.query(`SELECT 1 FROM audit.audit_events WHERE actor_id = 'mallory'`),
    ).toEqual([]);
  });

  it('names the row a superuser altered behind the trigger, by endpoint and command', async () => {
    const [target] = await fixture.query<{ event_id: string }>(
      `SELECT event_id FROM audit.audit_events WHERE tenant_id = 'tamper' AND chain_index = 3`,
    );

    expect(runVerifyCli('tamper').status).toBe(0);

    await fixture.query(`
      BEGIN;
      SET LOCAL session_replication_role = replica;
      UPDATE audit.audit_events SET after = '{"mode": "byok", "providers": ["openai"]}'
       WHERE tenant_id = 'tamper' AND chain_index = 3;
      COMMIT;`);

    const tamperToken = fixture.tokenFor({ tenantId: 'tamper', role: 'admin', plan: 'free' });
    const verify = await fixture.request('GET', VERIFY_PATH, { token: tamperToken });

    expect(verify.json()).toMatchObject({
      tenantId: 'tamper',
      intact: false,
      firstBroken: { chainIndex: 3, eventId: target?.event_id, reason: 'hash_mismatch' },
    });

    const cli = runVerifyCli('tamper');

    expect(cli.status).toBe(1);
    expect(JSON.parse(cli.stdout)).toMatchObject({
      intact: false,
      firstBroken: { chainIndex: 3, eventId: target?.event_id },
    });
    expect(cli.stderr).toContain(`broken at row 3 (event ${target?.event_id})`);

    // The other tenants' chains are untouched.
    expect(runVerifyCli('neighbour').status).toBe(0);
    expect(
      (await fixture.request('GET', VERIFY_PATH, { token: memberToken })).json(),
    ).toMatchObject({ intact: true });
  });

  it('reports a row deleted behind the trigger and the chain head', async () => {
    await fixture.query(`
      BEGIN;
      SET LOCAL session_replication_role = replica;
      DELETE FROM audit.audit_events WHERE tenant_id = 'neighbour' AND chain_index = 2;
      COMMIT;`);

    const neighbourToken = fixture.tokenFor({ tenantId: 'neighbour', role: 'owner', plan: 'free' });
    const verify = await fixture.request('GET', VERIFY_PATH, { token: neighbourToken });

    expect(verify.json()).toMatchObject({
      intact: false,
      rowsChecked: 1,
      firstBroken: { chainIndex: 2, eventId: null, reason: 'missing_tail' },
    });
  });
});
