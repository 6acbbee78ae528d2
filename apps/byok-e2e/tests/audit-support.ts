import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

import type { SystemFixture } from '../support/system-fixture';

export const AUDIT_LOG_PATH = '/dashboard/account/audit-log';
export const VERIFY_PATH = '/dashboard/account/audit-log/verify';
export const MANAGED_PATCH = { providerConfig: { mode: 'liya_managed' } };

export interface PatchResult {
  tenantId: string;
  status: number;
}

/**
 * Makes `perTenant` PATCHes for each tenant, `concurrency` at a time; one tenant's PATCHes
 * overlap too, so its writes serialise on the tenant's row lock as in production.
 */
export async function patchMany(
  fixture: SystemFixture,
  tenants: string[],
  perTenant: number,
  options: { concurrency?: number; afterEachBatch?: (done: number) => Promise<void> } = {},
): Promise<PatchResult[]> {
  const tokens = new Map(
    tenants.map((tenantId) => [
      tenantId,
      fixture.tokenFor({ tenantId, role: 'owner', plan: 'free' }),
    ]),
  );
  const queue = Array.from({ length: perTenant }, () => tenants).flat();
  const concurrency = options.concurrency ?? 25;
  const results: PatchResult[] = [];

  for (let start = 0; start < queue.length; start += concurrency) {
    const batch = queue.slice(start, start + concurrency);
    const statuses = await Promise.all(
      batch.map(async (tenantId) => {
        const response = await fixture
          .request('PATCH', '/dashboard/account/config', {
            token: tokens.get(tenantId),
            body: MANAGED_PATCH,
          })
          .catch(() => ({ status: 0 }));

        return { tenantId, status: response.status };
      }),
    );

    results.push(...statuses);
    await options.afterEachBatch?.(results.length);
  }

  return results;
}

export async function countOf(fixture: SystemFixture, sql: string, params: unknown[] = []) {
  const [row] = await fixture.query<{ count: string }>(sql, params);

  return Number(row?.count ?? 0);
}

/** Waits until the audit table holds `expected` rows (of one tenant, or of all). */
export async function waitForAuditRows(
  fixture: SystemFixture,
  expected: number,
  options: { tenantId?: string; timeoutMs?: number } = {},
): Promise<void> {
  const [sql, params] = options.tenantId
    ? ['SELECT count(*) FROM audit.audit_events WHERE tenant_id = $1', [options.tenantId]]
    : ['SELECT count(*) FROM audit.audit_events', []];

  await fixture.waitFor(
    async () => ((await countOf(fixture, sql, params)) === expected ? true : undefined),
    `${expected} audit rows${options.tenantId ? ` of ${options.tenantId}` : ''}`,
    options.timeoutMs ?? 30_000,
  );
}

/**
 * The end-to-end invariant: every configuration change committed has exactly one audit row, and
 * the audit rows are exactly the outbox's events. Returns the per-tenant comparison.
 */
export async function changesAndAuditRows(fixture: SystemFixture) {
  return fixture.query<{ tenant_id: string; version: number; audit_rows: number }>(
    `SELECT config.tenant_id, config.version,
            (SELECT count(*)::int FROM audit.audit_events event
              WHERE event.tenant_id = config.tenant_id) AS audit_rows
       FROM byok_config.tenant_configs config
      WHERE config.version > 0
      ORDER BY config.tenant_id`,
  );
}

export async function outboxIdsWithoutAuditRow(fixture: SystemFixture): Promise<string[]> {
  const rows = await fixture.query<{ id: string }>(
    `SELECT outbox.id FROM byok_config.outbox_events outbox
      WHERE NOT EXISTS (SELECT 1 FROM audit.audit_events event WHERE event.event_id = outbox.id)`,
  );

  return rows.map((row) => row.id);
}

/** Config versions of one tenant's audit rows in chain order. */
export async function chainVersions(fixture: SystemFixture, tenantId: string): Promise<number[]> {
  const rows = await fixture.query<{ config_version: number }>(
    `SELECT config_version FROM audit.audit_events WHERE tenant_id = $1 ORDER BY chain_index`,
    [tenantId],
  );

  return rows.map((row) => row.config_version);
}

/** A gauge's value on a service's metrics page. */
export async function gaugeOf(
  fixture: SystemFixture,
  service: 'config-service' | 'audit-service',
  name: string,
): Promise<number | undefined> {
  const response = await fetch(`${fixture.system.opsUrls[service]}/metrics`, {
    signal: AbortSignal.timeout(5000),
  });
  const line = (await response.text())
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `));

  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

export function oneToN(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index + 1);
}

/** A connection of the test's own to the system's NATS, for what only an operator would do. */
export async function operatorConnection(
  fixture: SystemFixture,
): Promise<{ connection: NatsConnection; manager: JetStreamManager; close(): Promise<void> }> {
  const connection = await connect({ servers: fixture.infrastructure.natsUrl, timeout: 5000 });
  const manager = await jetstreamManager(connection, { timeout: 5000 });

  return { connection, manager, close: () => connection.drain() };
}

export async function publishToAuditSubject(connection: NatsConnection, body: string) {
  return jetstream(connection, { timeout: 5000 }).publish('audit.byok_config_updated', body);
}
