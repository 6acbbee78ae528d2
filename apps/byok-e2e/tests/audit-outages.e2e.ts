import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startSystemFixture, type SystemFixture } from '../support/system-fixture';
import {
  chainVersions,
  changesAndAuditRows,
  countOf,
  MANAGED_PATCH,
  oneToN,
  outboxIdsWithoutAuditRow,
  patchMany,
  waitForAuditRows,
} from './audit-support';

describe('audit delivery through crashes and restarts', () => {
  const faultDir = mkdtempSync(join(tmpdir(), 'liya-audit-fault-'));
  const crashArmingFile = join(faultDir, 'crash-before-publish');
  let fixture: SystemFixture;

  beforeAll(async () => {
    fixture = await startSystemFixture({
      extraEnv: {
        'config-service': {
          NODE_ENV: 'test',
          LIYA_TEST_FAULT_OUTBOX_CRASH_BEFORE_PUBLISH_FILE: crashArmingFile,
        },
      },
    });
  });

  afterAll(async () => {
    await fixture?.close();
    rmSync(faultDir, { recursive: true, force: true });
  });

  async function expectEveryChangeAudited(): Promise<void> {
    const changes = await changesAndAuditRows(fixture);

    expect(changes.length).toBeGreaterThan(0);
    expect(changes.filter((row) => row.version !== row.audit_rows)).toEqual([]);
    expect(await outboxIdsWithoutAuditRow(fixture)).toEqual([]);
  }

  it('delivers the event of a change committed just before config-service was killed', async () => {
    const token = fixture.tokenFor({ tenantId: 'crash-tenant', role: 'owner', plan: 'free' });
    const warmUp = await fixture.request('PATCH', '/dashboard/account/config', {
      token,
      body: MANAGED_PATCH,
    });

    expect(warmUp.status).toBe(200);
    await waitForAuditRows(fixture, 1, { tenantId: 'crash-tenant' });

    writeFileSync(crashArmingFile, 'armed');
    const configService = fixture.system.processes.get('config-service');
    const killed = new Promise<NodeJS.Signals | null>((resolve) =>
      configService?.once('exit', (_code, signal) => resolve(signal)),
    );

    // The reply may or may not leave before the crash; the database says what was committed.
    await fixture
      .request('PATCH', '/dashboard/account/config', { token, body: MANAGED_PATCH })
      .catch(() => undefined);

    expect(await killed).toBe('SIGKILL');
    expect(existsSync(crashArmingFile)).toBe(false);

    const [committed] = await fixture.query<{ version: number }>(
      `SELECT version FROM byok_config.tenant_configs WHERE tenant_id = 'crash-tenant'`,
    );

    expect(committed?.version).toBe(2);
    expect(
      await countOf(
        fixture,
        `SELECT count(*) FROM byok_config.outbox_events
          WHERE tenant_id = 'crash-tenant' AND published_at IS NULL`,
      ),
    ).toBe(1);
    expect(
      await countOf(
        fixture,
        `SELECT count(*) FROM audit.audit_events WHERE tenant_id = 'crash-tenant'`,
      ),
    ).toBe(1);

    await fixture.system.start('config-service');
    await waitForAuditRows(fixture, 2, { tenantId: 'crash-tenant' });

    expect(await chainVersions(fixture, 'crash-tenant')).toEqual([1, 2]);
    await expectEveryChangeAudited();
  });

  it('loses and duplicates no event when the NATS server restarts in a burst', async () => {
    const tenants = ['restart-a', 'restart-b', 'restart-c', 'restart-d'];
    let restarting: Promise<void> | undefined;
    let doneAtRestart = 0;

    const results = await patchMany(fixture, tenants, 50, {
      concurrency: 20,
      afterEachBatch: async (done) => {
        if (restarting || done < 60) return;

        // The next batches run while the server is down and while the services reconnect.
        doneAtRestart = done;
        restarting = fixture.infrastructure.restartNats?.();
      },
    });

    expect(restarting).toBeDefined();
    await restarting;
    expect(results.length - doneAtRestart).toBeGreaterThan(100);
    expect(results.filter((result) => result.status === 200).length).toBeGreaterThan(60);

    const committed = await countOf(
      fixture,
      `SELECT coalesce(sum(version), 0) AS count FROM byok_config.tenant_configs
        WHERE tenant_id LIKE 'restart-%'`,
    );

    await fixture.waitFor(
      async () =>
        (await countOf(
          fixture,
          `SELECT count(*) FROM audit.audit_events WHERE tenant_id LIKE 'restart-%'`,
        )) === committed
          ? true
          : undefined,
      `${committed} audit rows of the burst`,
      60_000,
    );

    for (const tenantId of tenants) {
      const [config] = await fixture.query<{ version: number }>(
        'SELECT version FROM byok_config.tenant_configs WHERE tenant_id = $1',
        [tenantId],
      );

      expect(await chainVersions(fixture, tenantId)).toEqual(oneToN(config?.version ?? 0));
    }
    await expectEveryChangeAudited();
  });
});
