import { randomBytes, randomUUID } from 'node:crypto';

import { Client } from 'pg';

import {
  BYOK_CONFIG_UPDATED_ACTION,
  BYOK_CONFIG_UPDATED_SUBJECT,
  type ByokConfigUpdatedEvent,
  byokConfigUpdatedEventSchema,
} from '@liya/contracts';

import { repositoryRoot } from '../cli/dev-secrets';
import { provisionTestInfrastructure } from '../infrastructure/test-infrastructure';
import { launchSystem } from '../system/system-launcher';

/**
 * Measures the audit pipeline end to end: events committed to config-service's outbox in one
 * transaction, relayed through JetStream, stored (hash-chained) by audit-service, confirmed back.
 * Beside it, in the same run and the same PostgreSQL, a plain batched insert of the same rows into
 * a table of the same shape without chain or triggers: the ceiling the pipeline is compared with.
 *
 * Flags: --events N (default 20000), --tenants N (default 50). Uses DATABASE_URL's server (default
 * the local one) with a database of its own, and a private nats-server.
 */
const EVENTS = numberFlag('--events', 20_000);
const TENANTS = numberFlag('--tenants', 50);
const INSERT_BATCH = 500;
const TIMEOUT_MS = 10 * 60_000;

function numberFlag(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);

  return value;
}

function makeEvents(): ByokConfigUpdatedEvent[] {
  const versions = new Map<string, number>();

  return Array.from({ length: EVENTS }, (_, index) => {
    const tenantId = `bench-${index % TENANTS}`;
    const version = (versions.get(tenantId) ?? 0) + 1;

    versions.set(tenantId, version);

    return byokConfigUpdatedEventSchema.parse({
      schema_version: 1,
      event_id: randomUUID(),
      action: BYOK_CONFIG_UPDATED_ACTION,
      tenant_id: tenantId,
      actor_id: 'bench-user',
      occurred_at: new Date().toISOString(),
      before: { mode: 'liya_managed', providers: [] },
      after: { mode: 'byok', providers: ['openai'] },
      config_version: version,
      request_id: randomBytes(8).toString('hex'),
      source_ip: '127.0.0.1',
      user_agent: 'audit-bench',
    });
  });
}

async function countRows(client: Client, sql: string): Promise<number> {
  const result = await client.query<{ count: string }>(sql);

  return Number(result.rows[0]?.count ?? 0);
}

async function waitUntil(client: Client, sql: string, expected: number): Promise<number> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((await countRows(client, sql)) >= expected) return performance.now();

    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  throw new Error(`gave up after ${TIMEOUT_MS} ms waiting for ${expected} rows`);
}

async function fillOutbox(client: Client, events: ByokConfigUpdatedEvent[]): Promise<void> {
  await client.query('BEGIN');
  for (let start = 0; start < events.length; start += INSERT_BATCH) {
    const batch = events.slice(start, start + INSERT_BATCH);

    await client.query(
      `INSERT INTO byok_config.outbox_events (id, tenant_id, subject, payload)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])`,
      [
        batch.map((event) => event.event_id),
        batch.map((event) => event.tenant_id),
        batch.map(() => BYOK_CONFIG_UPDATED_SUBJECT),
        batch.map((event) => JSON.stringify(event)),
      ],
    );
  }
  await client.query('COMMIT');
}

/** The same rows into a same-shaped table, in batches, each its own transaction. */
async function plainInsert(client: Client, events: ByokConfigUpdatedEvent[]): Promise<number> {
  await client.query(
    `CREATE TABLE public.bench_plain_audit_events
       (LIKE audit.audit_events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)`,
  );

  const started = performance.now();
  for (let start = 0; start < events.length; start += INSERT_BATCH) {
    const batch = events.slice(start, start + INSERT_BATCH);
    const column = <T>(pick: (event: ByokConfigUpdatedEvent) => T) => batch.map(pick);

    await client.query(
      `INSERT INTO public.bench_plain_audit_events (event_id, tenant_id, action, actor_id,
         occurred_at, config_version, before, after, request_id, source_ip, user_agent,
         chain_index, prev_hash, row_hash)
       SELECT event_id, tenant_id, action, actor_id, occurred_at, config_version,
              before::jsonb, after::jsonb, request_id, source_ip, user_agent,
              chain_index, prev_hash, row_hash
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],
                     $6::integer[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::bigint[], $13::text[], $14::text[])
           AS batch(event_id, tenant_id, action, actor_id, occurred_at, config_version,
                    before, after, request_id, source_ip, user_agent,
                    chain_index, prev_hash, row_hash)`,
      [
        column((event) => event.event_id),
        column((event) => event.tenant_id),
        column((event) => event.action),
        column((event) => event.actor_id),
        column((event) => event.occurred_at),
        column((event) => event.config_version),
        column((event) => JSON.stringify(event.before)),
        column((event) => JSON.stringify(event.after)),
        column((event) => event.request_id),
        column((event) => event.source_ip),
        column((event) => event.user_agent),
        column((event) => event.config_version),
        column(() => '0'.repeat(64)),
        column(() => 'f'.repeat(64)),
      ],
    );
  }

  return performance.now() - started;
}

function rate(events: number, elapsedMs: number): string {
  return `${Math.round((events / elapsedMs) * 1000).toLocaleString('en-US')} events/s`;
}

async function main(): Promise<void> {
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

  const infrastructure = await provisionTestInfrastructure();
  const system = await launchSystem({
    rootDir: repositoryRoot(),
    databaseUrl: infrastructure.databaseUrl,
    natsUrl: infrastructure.natsUrl,
    masterKey: randomBytes(32).toString('base64'),
    jwtSecret: randomBytes(32).toString('hex'),
    openaiBaseUrl: 'http://127.0.0.1:9/v1',
    anthropicBaseUrl: 'http://127.0.0.1:9',
    logLevel: 'warn',
    extraEnv: { 'config-service': { OUTBOX_POLL_INTERVAL_MS: '50' } },
  });
  const client = new Client({ connectionString: infrastructure.databaseUrl });

  try {
    await client.connect();

    const events = makeEvents();

    const tenants = `${TENANTS} tenant${TENANTS === 1 ? '' : 's'}`;

    process.stdout.write(`audit pipeline benchmark: ${EVENTS} events over ${tenants}\n`);

    const started = performance.now();

    await fillOutbox(client, events);
    const committed = performance.now();
    const published = await waitUntil(
      client,
      'SELECT count(*) FROM byok_config.outbox_events WHERE published_at IS NOT NULL',
      EVENTS,
    );
    const stored = await waitUntil(client, 'SELECT count(*) FROM audit.audit_events', EVENTS);
    const confirmed = await waitUntil(
      client,
      'SELECT count(*) FROM byok_config.outbox_events WHERE confirmed_at IS NOT NULL',
      EVENTS,
    );
    const plainMs = await plainInsert(client, events);

    const lines = [
      ['outbox commit', `${Math.round(committed - started)} ms`],
      ['outbox -> stream', rate(EVENTS, published - committed)],
      [
        'outbox -> audit table',
        `${rate(EVENTS, stored - committed)} (${Math.round(stored - committed)} ms)`,
      ],
      [
        'outbox -> confirmed',
        `${rate(EVENTS, confirmed - committed)} (${Math.round(confirmed - committed)} ms)`,
      ],
      [
        'plain batched insert',
        `${rate(EVENTS, plainMs)} (${Math.round(plainMs)} ms, ${INSERT_BATCH} rows a statement)`,
      ],
    ];
    for (const [label, value] of lines) process.stdout.write(`  ${label.padEnd(24)} ${value}\n`);
  } finally {
    await client.end().catch(() => undefined);
    await system.stopAll();
    await infrastructure.release();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:audit failed: ${(error as Error).message}\n`);
  process.exit(1);
});
