import { randomUUID } from 'node:crypto';

import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

import { AUDIT_RECEIPT_SUBJECT, AUDIT_STREAM, BYOK_CONFIG_UPDATED_SUBJECT } from '@liya/contracts';
import { ensureAuditStream } from '@liya/messaging';
import { provisionTestInfrastructure, type TestInfrastructure } from '@liya/dev-kit';
import { configEnvironmentSchema } from '@liya/environment';
import { initializeDatabase, runMigrations } from '@liya/persistence';
import { createLogger } from '@liya/runtime';

import { createConfigDataSource } from '../src/database/data-source';
import { OutboxRelay } from '../src/outbox/outbox-relay.service';
import { outboxSettingsFrom } from '../src/outbox/outbox-settings';

const TENANTS = Array.from({ length: 40 }, (_, index) => `t-${index}`);
const PER_TENANT = 15;

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  throw new Error(`timed out waiting for ${what}`);
}

describe('the outbox relay with two replicas on one database', () => {
  let infrastructure: TestInfrastructure;
  let dataSource: DataSource;
  let connections: NatsConnection[];
  let manager: JetStreamManager;
  let replicas: Array<{ relay: OutboxRelay; registry: Registry }>;

  const count = async (where: string) =>
    Number(
      (await dataSource.query(`SELECT count(*) FROM byok_config.outbox_events WHERE ${where}`))[0]
        .count,
    );

  beforeAll(async () => {
    infrastructure = await provisionTestInfrastructure();
    await runMigrations(
      createConfigDataSource(infrastructure.databaseUrl),
      infrastructure.databaseUrl,
    );
    dataSource = createConfigDataSource(infrastructure.databaseUrl);
    await initializeDatabase(dataSource, infrastructure.databaseUrl);

    connections = await Promise.all(
      [0, 1, 2].map(() => connect({ servers: infrastructure.natsUrl, timeout: 5000 })),
    );
    await ensureAuditStream(connections[0]!);
    manager = await jetstreamManager(connections[0]!, { timeout: 5000 });

    // Committed before either replica runs, interleaved across tenants like real traffic.
    const rows = [];
    for (let version = 1; version <= PER_TENANT; version += 1) {
      for (const tenantId of TENANTS) {
        const id = randomUUID();

        rows.push({ id, tenantId, payload: { event_id: id, tenant_id: tenantId, version } });
      }
    }
    for (const row of rows) {
      await dataSource.query(
        `INSERT INTO byok_config.outbox_events (id, tenant_id, subject, payload)
         VALUES ($1, $2, $3, $4)`,
        [row.id, row.tenantId, BYOK_CONFIG_UPDATED_SUBJECT, JSON.stringify(row.payload)],
      );
    }

    const settings = outboxSettingsFrom(
      configEnvironmentSchema.parse({ OUTBOX_REPUBLISH_AFTER_MS: '600000' }),
    );

    replicas = [1, 2].map((replica) => {
      const registry = new Registry();
      const logger = createLogger(`config-service-${replica}`, 'silent');

      return {
        registry,
        relay: new OutboxRelay(dataSource, connections[replica]!, 20, logger, registry, settings),
      };
    });
    for (const { relay } of replicas) relay.onApplicationBootstrap();
  });

  afterAll(async () => {
    for (const { relay } of replicas ?? []) await relay.onApplicationShutdown();
    await dataSource?.destroy();
    for (const connection of connections ?? []) await connection.drain();
    await infrastructure?.release();
  });

  it('publishes every event exactly once between them, each tenant in commit order', async () => {
    const total = TENANTS.length * PER_TENANT;

    await waitFor(async () => (await count('published_at IS NOT NULL')) === total, 'relaying');

    const publishes = await Promise.all(
      replicas.map(async ({ registry }) => {
        const metric = await registry.getSingleMetric('liya_outbox_published_total')?.get();

        return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
      }),
    );

    expect(publishes.reduce((sum, value) => sum + value, 0)).toBe(total);
    expect((await manager.streams.info(AUDIT_STREAM)).state.messages).toBe(total);

    const versions = new Map<string, number[]>();
    for (let seq = 1; seq <= total; seq += 1) {
      const message = await manager.streams.getMessage(AUDIT_STREAM, { seq });
      const body = message?.json<{ tenant_id: string; version: number }>();
      if (!body) throw new Error(`stream message ${seq} is missing`);

      versions.set(body.tenant_id, [...(versions.get(body.tenant_id) ?? []), body.version]);
    }
    for (const tenantId of TENANTS) {
      expect(versions.get(tenantId)).toEqual(Array.from({ length: PER_TENANT }, (_, i) => i + 1));
    }
  });

  it('keeps events until a receipt names them and ignores what is not a receipt', async () => {
    const ids: Array<{ id: string }> = await dataSource.query(
      `SELECT id FROM byok_config.outbox_events WHERE tenant_id = 't-0' ORDER BY seq`,
    );
    const publisher = connections[0]!;

    expect(await count('confirmed_at IS NOT NULL')).toBe(0);

    publisher.publish(AUDIT_RECEIPT_SUBJECT, JSON.stringify({ event_ids: ['not-a-uuid'] }));
    publisher.publish(AUDIT_RECEIPT_SUBJECT, '{not json');
    publisher.publish(
      AUDIT_RECEIPT_SUBJECT,
      JSON.stringify({ schema_version: 1, event_ids: ids.map((row) => row.id) }),
    );
    await publisher.flush();

    await waitFor(async () => (await count('confirmed_at IS NOT NULL')) === ids.length, 'receipt');
    expect(await count(`confirmed_at IS NOT NULL AND tenant_id <> 't-0'`)).toBe(0);
  });

  it('publishes an unconfirmed event again under a new message id once it is overdue', async () => {
    const [target] = await dataSource.query(
      `SELECT id FROM byok_config.outbox_events WHERE tenant_id = 't-1' ORDER BY seq LIMIT 1`,
    );
    const before = (await manager.streams.info(AUDIT_STREAM)).state.messages;

    await dataSource.query(
      `UPDATE byok_config.outbox_events SET republish_due_at = now() - interval '1 second'
        WHERE id = $1`,
      [target.id],
    );
    await waitFor(
      async () => (await manager.streams.info(AUDIT_STREAM)).state.messages === before + 1,
      'the re-publish',
    );

    const [row] = await dataSource.query(
      `SELECT publish_count, republish_due_at > now() AS rescheduled
         FROM byok_config.outbox_events WHERE id = $1`,
      [target.id],
    );
    const last = await manager.streams.getMessage(AUDIT_STREAM, { seq: before + 1 });

    expect(row).toEqual({ publish_count: 2, rescheduled: true });
    expect(last?.json<{ event_id: string }>().event_id).toBe(target.id);
  });

  it('deletes only events confirmed longer ago than the retention', async () => {
    const before = await count('true');

    await dataSource.query(
      `UPDATE byok_config.outbox_events SET confirmed_at = now() - interval '8 days'
        WHERE id IN (SELECT id FROM byok_config.outbox_events WHERE tenant_id = 't-0' LIMIT 5)`,
    );

    expect(await replicas[0]!.relay.pruneConfirmed()).toBe(5);
    expect(await count('true')).toBe(before - 5);
    expect(await count(`confirmed_at IS NOT NULL AND tenant_id = 't-0'`)).toBe(PER_TENANT - 5);
  });
});
