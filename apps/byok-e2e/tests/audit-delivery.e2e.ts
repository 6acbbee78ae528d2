import { BYOK_CONFIG_UPDATED_SUBJECT } from '@liya/contracts';

import {
  canaryKey,
  randomPartOf,
  startSystemFixture,
  type SystemFixture,
} from '../support/system-fixture';
import {
  chainVersions,
  changesAndAuditRows,
  countOf,
  gaugeOf,
  MANAGED_PATCH,
  oneToN,
  operatorConnection,
  outboxIdsWithoutAuditRow,
  patchMany,
  publishToAuditSubject,
  VERIFY_PATH,
  waitForAuditRows,
} from './audit-support';

// Short, so an event lost from the stream is published again within the test.
const REPUBLISH_AFTER_MS = 1500;

describe('audit delivery: every committed change reaches the audit log exactly once', () => {
  let fixture: SystemFixture;

  beforeAll(async () => {
    fixture = await startSystemFixture({
      extraEnv: { 'config-service': { OUTBOX_REPUBLISH_AFTER_MS: String(REPUBLISH_AFTER_MS) } },
    });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('stores 500 events of PATCHes made while audit-service was down once, in order', async () => {
    const tenants = ['burst-a', 'burst-b', 'burst-c', 'burst-d', 'burst-e'];

    await fixture.system.stop('audit-service');

    const results = await patchMany(fixture, tenants, 100);

    expect(results.filter((result) => result.status !== 200)).toEqual([]);
    await fixture.waitFor(
      async () =>
        (await countOf(
          fixture,
          `SELECT count(*) FROM byok_config.outbox_events WHERE published_at IS NOT NULL`,
        )) === 500
          ? true
          : undefined,
      'the 500 events in the stream',
    );
    expect(await countOf(fixture, 'SELECT count(*) FROM audit.audit_events')).toBe(0);
    expect(await gaugeOf(fixture, 'config-service', 'liya_outbox_backlog')).toBe(0);
    expect(await gaugeOf(fixture, 'config-service', 'liya_outbox_unconfirmed')).toBe(500);

    await fixture.system.start('audit-service');
    await waitForAuditRows(fixture, 500);

    expect(await outboxIdsWithoutAuditRow(fixture)).toEqual([]);
    expect(await countOf(fixture, 'SELECT count(DISTINCT event_id) FROM audit.audit_events')).toBe(
      500,
    );
    for (const tenantId of tenants) {
      expect(await chainVersions(fixture, tenantId)).toEqual(oneToN(100));
    }

    await fixture.waitFor(
      async () =>
        (await countOf(
          fixture,
          'SELECT count(*) FROM byok_config.outbox_events WHERE confirmed_at IS NULL',
        )) === 0
          ? true
          : undefined,
      'receipts for every event',
    );

    expect(await gaugeOf(fixture, 'config-service', 'liya_outbox_unconfirmed')).toBe(0);
    // Copies re-published during the outage may still be on their way; the lag drains to 0.
    await fixture.waitFor(
      async () =>
        (await gaugeOf(fixture, 'audit-service', 'liya_audit_consumer_pending')) === 0
          ? true
          : undefined,
      'no consumer lag',
    );

    const verify = await fixture.request('GET', VERIFY_PATH, {
      token: fixture.tokenFor({ tenantId: 'burst-c', role: 'member', plan: 'free' }),
    });

    expect(verify.json()).toMatchObject({ intact: true, rowsChecked: 100, firstBroken: null });
  });

  it('dead-letters malformed messages without their content; later events are stored', async () => {
    const planted = canaryKey('sk-proj-');
    const operator = await operatorConnection(fixture);
    let notJson: number;
    let wrongShape: number;

    try {
      notJson = (await publishToAuditSubject(operator.connection, '{not json')).seq;
      wrongShape = (
        await publishToAuditSubject(
          operator.connection,
          JSON.stringify({ schema_version: 1, action: 'byok_config_updated', key: planted }),
        )
      ).seq;
    } finally {
      await operator.close();
    }

    const response = await fixture.request('PATCH', '/dashboard/account/config', {
      token: fixture.tokenFor({ tenantId: 'after-poison', role: 'admin', plan: 'free' }),
      body: MANAGED_PATCH,
    });

    expect(response.status).toBe(200);
    await waitForAuditRows(fixture, 1, { tenantId: 'after-poison' });

    const deadLetters = await fixture.query<{
      subject: string;
      stream_sequence: string;
      reason: string;
    }>(`SELECT subject, stream_sequence, reason FROM audit.dead_letters ORDER BY id`);

    expect(deadLetters).toEqual([
      {
        subject: BYOK_CONFIG_UPDATED_SUBJECT,
        stream_sequence: String(notJson),
        reason: 'not JSON',
      },
      {
        subject: BYOK_CONFIG_UPDATED_SUBJECT,
        stream_sequence: String(wrongShape),
        reason: expect.stringMatching(/^schema mismatch at /),
      },
    ]);
    expect(JSON.stringify(deadLetters)).not.toContain(randomPartOf(planted));
  });

  it('publishes again an event the stream acknowledged and lost; stores it once', async () => {
    await fixture.system.stop('audit-service');

    const response = await fixture.request('PATCH', '/dashboard/account/config', {
      token: fixture.tokenFor({ tenantId: 'lost-in-stream', role: 'owner', plan: 'free' }),
      body: MANAGED_PATCH,
    });

    expect(response.status).toBe(200);

    const [event] = await fixture.waitFor(async () => {
      const rows = await fixture.query<{ id: string }>(
        `SELECT id FROM byok_config.outbox_events
          WHERE tenant_id = 'lost-in-stream' AND published_at IS NOT NULL`,
      );

      return rows.length === 1 ? rows : undefined;
    }, 'the acknowledged publish');

    const operator = await operatorConnection(fixture);
    try {
      await operator.manager.streams.purge('AUDIT');
      expect((await operator.manager.streams.info('AUDIT')).state.messages).toBe(0);
    } finally {
      await operator.close();
    }

    await fixture.system.start('audit-service');
    await waitForAuditRows(fixture, 1, { tenantId: 'lost-in-stream' });

    const outbox = await fixture.waitFor(async () => {
      const [row] = await fixture.query<{ publish_count: number; confirmed: boolean }>(
        `SELECT publish_count, confirmed_at IS NOT NULL AS confirmed
           FROM byok_config.outbox_events WHERE id = $1`,
        [event?.id],
      );

      return row?.confirmed ? row : undefined;
    }, 'the receipt of the re-published event');

    expect(outbox.publish_count).toBeGreaterThanOrEqual(2);
    expect(
      await countOf(fixture, 'SELECT count(*) FROM audit.audit_events WHERE event_id = $1', [
        event?.id,
      ]),
    ).toBe(1);
    expect(
      (await changesAndAuditRows(fixture)).filter((row) => row.version !== row.audit_rows),
    ).toEqual([]);
  });
});
