import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { connect, type NatsConnection } from '@nats-io/transport-node';

import { CryptoRpc, type RpcReply } from '@liya/contracts';

import { repositoryRoot } from '../cli/dev-secrets';
import { findNatsServer, startPrivateNats } from '../infrastructure/test-infrastructure';
import { freePort } from '../system/free-port';
import { benchCipher } from './crypto-bench-cipher';
import { BARE_DECRYPT_SUBJECT, ECHO_SUBJECT } from './crypto-echo-responder';

/**
 * Operations per second of crypto-service's encrypt and decrypt through NATS, with 1 and 64
 * requests in flight, beside a bare NATS echo responder in another process (the bus's own limit,
 * measured in the same run on the same private nats-server) and AES-256-GCM in this process.
 * A bare responder doing only a decrypt's AES-GCM work shows how much of the gap to the echo is
 * the work itself rather than the service around it.
 *
 * Flags: --seconds N, one-second slices per operation (default 5). Needs the nats-server binary and a build.
 */
const SECONDS = Math.round(numberFlag('--seconds', 5));
const WARM_UP_MS = 300;
const IN_FLIGHT = [1, 64] as const;
const TENANT = 'bench-tenant';
const FIELD = 'openai_api_key';
const PLAINTEXT = `sk-proj-${randomBytes(24).toString('hex')}`;

function numberFlag(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);

  return value;
}

/** Runs `operation` with `inFlight` callers for `durationMs`; answers how many completed. */
async function completedIn(
  durationMs: number,
  inFlight: number,
  operation: () => Promise<void>,
): Promise<number> {
  const end = Date.now() + durationMs;
  let completed = 0;

  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < end) {
        await operation();
        completed += 1;
      }
    }),
  );

  return completed;
}

/**
 * Ops per second of each operation. The operations take turns in one-second slices, so a busy
 * moment of the machine weighs on all of them alike rather than on whichever ran then.
 */
async function rates(
  inFlight: number,
  operations: Record<string, () => Promise<void>>,
): Promise<Record<string, number>> {
  const totals: Record<string, { completed: number; seconds: number }> = {};

  for (const [name, operation] of Object.entries(operations)) {
    await completedIn(WARM_UP_MS, inFlight, operation);
    totals[name] = { completed: 0, seconds: 0 };
  }

  for (let slice = 0; slice < SECONDS; slice += 1) {
    for (const [name, operation] of Object.entries(operations)) {
      const started = process.hrtime.bigint();
      const completed = await completedIn(1000, inFlight, operation);

      totals[name]!.completed += completed;
      totals[name]!.seconds += Number(process.hrtime.bigint() - started) / 1e9;
    }
  }

  return Object.fromEntries(
    Object.entries(totals).map(([name, total]) => [name, total.completed / total.seconds]),
  );
}

function requester(connection: NatsConnection, subject: string, body: unknown) {
  const payload = new TextEncoder().encode(JSON.stringify(body));

  return async () => {
    const reply = await connection.request(subject, payload, { timeout: 10_000 });
    const parsed = reply.json<Partial<RpcReply<unknown>> & { error?: { code?: string } }>();
    if (parsed.ok === false) throw new Error(`${subject} answered ${parsed.error?.code}`);
  };
}

function syncRate(operation: () => unknown): number {
  const end = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  let completed = 0;

  while (Date.now() < end) {
    for (let i = 0; i < 1000; i += 1) operation();
    completed += 1000;
  }

  return completed / (Number(process.hrtime.bigint() - started) / 1e9);
}

function startProcess(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });

  createInterface({ input: child.stdout! }).on('line', () => undefined);

  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;

  const exited = new Promise((resolve) => child.once('exit', resolve));

  child.kill('SIGTERM');
  await exited;
}

async function waitUntil(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const format = (value: number) => `${Math.round(value).toLocaleString('en-US')} ops/s`;
const percent = (value: number) => `${Math.round(value * 100)}%`;

async function main(): Promise<void> {
  const binary = findNatsServer();
  if (!binary) throw new Error('the benchmark needs the nats-server binary');

  const nats = await startPrivateNats(binary);
  const opsPort = await freePort();
  const benchKey = randomBytes(32);
  const local = benchCipher(benchKey, `lbk1|${TENANT}|${FIELD}`);
  const echo = startProcess(join(__dirname, 'crypto-echo-responder.js'), {
    NATS_URL: nats.url,
    BENCH_SUBKEY: benchKey.toString('base64'),
    BENCH_AAD: `lbk1|${TENANT}|${FIELD}`,
  });
  const crypto = startProcess(join(repositoryRoot(), 'apps/crypto-service/dist/main.js'), {
    NATS_URL: nats.url,
    MASTER_KEY: randomBytes(32).toString('base64'),
    OPS_PORT: String(opsPort),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  });
  const connection = await connect({ servers: nats.url, name: 'bench-client' });

  try {
    await waitUntil(
      async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`)).ok,
      'crypto-service',
    );
    await waitUntil(
      async () => Boolean(await connection.request(ECHO_SUBJECT, '{}', { timeout: 500 })),
      'the echo responder',
    );

    const encryptRequest = { tenantId: TENANT, field: FIELD, plaintext: PLAINTEXT };
    const sealed = await connection.request(
      CryptoRpc.encrypt.subject,
      JSON.stringify(encryptRequest),
      { timeout: 5000 },
    );
    const { ciphertext } = sealed.json<{ value: { ciphertext: string } }>().value;
    const decryptRequest = { tenantId: TENANT, field: FIELD, ciphertext };

    const bareRequest = { ...decryptRequest, ciphertext: local.seal(PLAINTEXT) };
    const operations = {
      echo: requester(connection, ECHO_SUBJECT, decryptRequest),
      bare: requester(connection, BARE_DECRYPT_SUBJECT, bareRequest),
      encrypt: requester(connection, CryptoRpc.encrypt.subject, encryptRequest),
      decrypt: requester(connection, CryptoRpc.decrypt.subject, decryptRequest),
    };
    const measured: Record<number, Record<string, number>> = {};
    for (const inFlight of IN_FLIGHT) measured[inFlight] = await rates(inFlight, operations);

    const of = (name: string, inFlight: number) => measured[inFlight]![name]!;

    const sample = local.seal(PLAINTEXT);
    const localSeal = syncRate(() => local.seal(PLAINTEXT));
    const localOpen = syncRate(() => local.open(sample));

    const row = (label: string, values: string[]) =>
      `${label.padEnd(26)}${values.map((value) => value.padStart(22)).join('')}`;
    const lines = [
      `crypto-service throughput: ${SECONDS} s per operation and concurrency, private nats-server`,
      row(
        '',
        IN_FLIGHT.map((n) => `${n} in flight`),
      ),
      row(
        'bare NATS echo',
        IN_FLIGHT.map((n) => format(of('echo', n))),
      ),
      row(
        'encrypt over NATS',
        IN_FLIGHT.map((n) => format(of('encrypt', n))),
      ),
      row(
        'decrypt over NATS',
        IN_FLIGHT.map((n) => format(of('decrypt', n))),
      ),
      row(
        'bare AES-GCM responder',
        IN_FLIGHT.map((n) => format(of('bare', n))),
      ),
      row(
        'decrypt / echo',
        IN_FLIGHT.map((n) => percent(of('decrypt', n) / of('echo', n))),
      ),
      row(
        'encrypt / echo',
        IN_FLIGHT.map((n) => percent(of('encrypt', n) / of('echo', n))),
      ),
      row(
        'decrypt / bare AES-GCM',
        IN_FLIGHT.map((n) => percent(of('decrypt', n) / of('bare', n))),
      ),
      row('in-process AES-256-GCM', [`seal ${format(localSeal)}`, `open ${format(localOpen)}`]),
      `aim: decrypt over NATS at 80% or more of echo: ${
        IN_FLIGHT.every((n) => of('decrypt', n) >= 0.8 * of('echo', n)) ? 'met' : 'not met'
      }`,
    ];

    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await connection.close();
    await Promise.all([echo, crypto].map((child) => stopProcess(child)));
    await nats.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`crypto benchmark failed: ${(error as Error).message}\n`);
  process.exit(1);
});
