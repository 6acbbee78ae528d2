import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import autocannon from 'autocannon';

import { repositoryRoot } from '../cli/dev-secrets';
import { provisionTestInfrastructure } from '../infrastructure/test-infrastructure';
import { launchSystem, type RunningSystem, type ServiceName } from '../system/system-launcher';
import { mintDashboardToken } from '../tokens/dashboard-token';
import { printProfiles } from './gateway-cpu-profile';

/**
 * How much the gateway path adds to a provider call: the same chat completion sent to the
 * provider stand-in directly, then through gateway, NATS, router (config cache, decrypt through
 * crypto-service for BYOK) and the OpenAI SDK to the same stand-in, at 1 and 16 clients.
 *
 * Flags: --duration S per run (default 8), --profile (CPU profiles of every hop from the end of
 * the first warm-up, printed after the table). LOG_LEVEL sets the services' level (default info,
 * as deployed). Uses DATABASE_URL's server with a database of its own, and a private nats-server.
 *
 * Known gap: on two cores the gateway path adds about 1.5 ms (managed) to 3 ms (BYOK) at p50 with
 * one client, above the aim of 1 ms; the two bus round trips (router, crypto-service) dominate.
 */
const DURATION_S = numberFlag('--duration', 8);
const PROFILE = process.argv.includes('--profile');
const CLIENTS = [1, 16];
const WARMUP_S = 2;
const PROFILED: ServiceName[] = ['gateway', 'inference-router', 'crypto-service'];
const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Hello' }],
});

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

interface Measured {
  target: string;
  clients: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

function numberFlag(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);

  return value;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;

  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] as number;
}

// autocannon's histogram keeps whole milliseconds; the per-response times it emits are exact.
async function drive(target: Target, clients: number, seconds: number): Promise<Measured> {
  const latencies: number[] = [];
  let errors = 0;

  const instance = autocannon(
    {
      url: target.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body: BODY,
      connections: clients,
      duration: seconds,
    },
    () => undefined,
  );

  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, time: number) => {
    if (statusCode === 200) latencies.push(time);
    else errors += 1;
  });

  const result = await new Promise<autocannon.Result>((resolve) => instance.on('done', resolve));

  latencies.sort((a, b) => a - b);

  return {
    target: target.name,
    clients,
    requestsPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors: errors + result.errors + result.timeouts,
  };
}

async function startStandIn(
  rootDir: string,
  profileDir?: string,
): Promise<{
  port: number;
  child: ChildProcess;
}> {
  const child = spawn(
    process.execPath,
    [join(rootDir, 'libs', 'dev-kit', 'dist', 'bench', 'gateway-stand-in.js')],
    {
      env: { PATH: process.env.PATH ?? '', ...profileOptions('provider-stand-in', profileDir) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const firstLine = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
  });

  return { port: Number(firstLine), child };
}

function profileOptions(name: string, profileDir?: string): Record<string, string> {
  if (!profileDir) return {};

  return {
    NODE_OPTIONS: `--require ${join(__dirname, 'gateway-profiler-preload.js')}`,
    LIYA_PROFILE_DIR: profileDir,
    LIYA_PROFILE_NAME: name,
  };
}

async function configureTenant(gatewayUrl: string, token: string, openAiKey: string) {
  const response = await fetch(`${gatewayUrl}/dashboard/account/config`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ providerConfig: { mode: 'byok', openai_api_key: openAiKey } }),
  });
  if (!response.ok) throw new Error(`configuring the tenant failed: ${response.status}`);
}

function printTable(rows: Measured[]): void {
  const direct = new Map(
    rows.filter((row) => row.target === 'stand-in directly').map((row) => [row.clients, row]),
  );
  const format = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '-');
  const header = ['target', 'clients', 'req/s', 'p50 ms', 'p99 ms', '+p50 ms', '+p99 ms', 'errors'];
  const lines = rows.map((row) => {
    const base = direct.get(row.clients);
    const added = (mine: number, theirs?: number) =>
      row.target === 'stand-in directly' || theirs === undefined ? '' : format(mine - theirs);

    return [
      row.target,
      String(row.clients),
      row.requestsPerSecond.toFixed(0),
      format(row.p50),
      format(row.p99),
      added(row.p50, base?.p50),
      added(row.p99, base?.p99),
      String(row.errors),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ');

  process.stdout.write(
    `\n${render(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`,
  );
  for (const line of lines) process.stdout.write(`${render(line)}\n`);
}

async function main(): Promise<void> {
  const rootDir = repositoryRoot();
  const profileDir = PROFILE ? join(rootDir, 'tmp', 'bench-profiles') : undefined;
  if (profileDir) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }

  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  const infrastructure = await provisionTestInfrastructure();
  const standIn = await startStandIn(rootDir, profileDir);
  const standInUrl = `http://127.0.0.1:${standIn.port}`;
  const jwtSecret = randomBytes(32).toString('hex');
  const tenantKey = `sk-bench-${randomBytes(12).toString('hex')}`;
  let system: RunningSystem | undefined;

  try {
    system = await launchSystem({
      rootDir,
      databaseUrl: infrastructure.databaseUrl,
      natsUrl: infrastructure.natsUrl,
      masterKey: randomBytes(32).toString('base64'),
      jwtSecret,
      openaiBaseUrl: `${standInUrl}/v1`,
      anthropicBaseUrl: standInUrl,
      managedOpenAiKey: `sk-managed-${randomBytes(12).toString('hex')}`,
      logLevel: process.env.LOG_LEVEL ?? 'info',
      extraEnv: Object.fromEntries(
        PROFILED.map((service) => [service, profileOptions(service, profileDir)]),
      ),
    });

    const byokToken = mintDashboardToken({ tenantId: 'bench-byok' }, { secret: jwtSecret });
    const managedToken = mintDashboardToken(
      { tenantId: 'bench-managed', plan: 'free' },
      { secret: jwtSecret },
    );

    await configureTenant(system.gatewayUrl, byokToken, tenantKey);

    const chatPath = '/v1/chat/completions';
    const targets: Target[] = [
      {
        name: 'stand-in directly',
        url: `${standInUrl}${chatPath}`,
        headers: { authorization: `Bearer ${tenantKey}` },
      },
      {
        name: 'gateway, BYOK key',
        url: `${system.gatewayUrl}${chatPath}`,
        headers: { authorization: `Bearer ${byokToken}` },
      },
      {
        name: 'gateway, managed key',
        url: `${system.gatewayUrl}${chatPath}`,
        headers: { authorization: `Bearer ${managedToken}` },
      },
    ];

    process.stdout.write(
      `Chat completion, ${DURATION_S} s per run after ${WARMUP_S} s of warm-up; ` +
        'BYOK decrypts the key through crypto-service on every call.\n',
    );

    const rows: Measured[] = [];
    let profiling = false;
    for (const clients of CLIENTS) {
      for (const target of targets) {
        await drive(target, clients, WARMUP_S);
        if (profileDir && !profiling) {
          // Only the profiled processes handle the signal; to the others it would be fatal.
          standIn.child.kill('SIGUSR2');
          for (const service of PROFILED) system.processes.get(service)?.kill('SIGUSR2');
          profiling = true;
        }
        rows.push(await drive(target, clients, DURATION_S));
        process.stdout.write('.');
      }
    }

    printTable(rows);
  } finally {
    await system?.stopAll();
    standIn.child.kill('SIGTERM');
    await new Promise((resolve) => standIn.child.once('exit', resolve));
    await infrastructure.release();
  }

  if (profileDir) printProfiles(profileDir);
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway benchmark failed: ${(error as Error).message}\n`);
  process.exit(1);
});
