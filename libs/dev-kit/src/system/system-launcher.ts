import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { freePort } from './free-port';

export const SERVICE_NAMES = [
  'crypto-service',
  'config-service',
  'audit-service',
  'inference-router',
  'gateway',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface SystemOptions {
  rootDir: string;
  databaseUrl: string;
  natsUrl: string;
  masterKey: string;
  /** A key ring file for crypto-service; when set it is given instead of masterKey. */
  masterKeyFile?: string;
  jwtSecret: string;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  managedOpenAiKey?: string;
  managedAnthropicKey?: string;
  providerHostAllowlist?: string;
  gatewayPort?: number;
  gatewayHost?: string;
  opsPorts?: Partial<Record<ServiceName, number>>;
  logLevel?: string;
  /** Extra variables for one service, for tests that need a setting changed. */
  extraEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Receives every output line of every service. */
  onLine?: (service: ServiceName, line: string, stream: 'stdout' | 'stderr') => void;
  readyTimeoutMs?: number;
}

export interface RunningSystem {
  gatewayUrl: string;
  opsUrls: Record<ServiceName, string>;
  processes: Map<ServiceName, ChildProcess>;
  start(service: ServiceName): Promise<void>;
  stop(service: ServiceName): Promise<void>;
  stopAll(): Promise<void>;
}

// Children get a clean environment: each service sees only its own variables, so the master key
// reaches crypto-service alone and the managed provider keys reach the router alone.
function baseEnv(options: SystemOptions, opsPort: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    LOG_LEVEL: options.logLevel ?? 'info',
    NATS_URL: options.natsUrl,
    OPS_PORT: String(opsPort),
  };
}

function optional(name: string, value: string | undefined): Record<string, string> {
  return value ? { [name]: value } : {};
}

function serviceEnv(
  service: ServiceName,
  options: SystemOptions,
  ports: { ops: number; gateway: number },
): Record<string, string> {
  const env = baseEnv(options, ports.ops);
  const allowlist: Record<string, string> = options.providerHostAllowlist
    ? { PROVIDER_HOST_ALLOWLIST: options.providerHostAllowlist }
    : {};

  const own: Record<ServiceName, Record<string, string>> = {
    'crypto-service': options.masterKeyFile
      ? { MASTER_KEY_FILE: options.masterKeyFile }
      : { MASTER_KEY: options.masterKey },
    'config-service': { DATABASE_URL: options.databaseUrl, ...allowlist },
    'audit-service': { DATABASE_URL: options.databaseUrl },
    'inference-router': {
      OPENAI_BASE_URL: options.openaiBaseUrl,
      ANTHROPIC_BASE_URL: options.anthropicBaseUrl,
      ...optional('LIYA_OPENAI_API_KEY', options.managedOpenAiKey),
      ...optional('LIYA_ANTHROPIC_API_KEY', options.managedAnthropicKey),
      ...allowlist,
    },
    gateway: {
      PORT: String(ports.gateway),
      HOST: options.gatewayHost ?? '127.0.0.1',
      DASHBOARD_JWT_SECRET: options.jwtSecret,
    },
  };

  return { ...env, ...own[service], ...options.extraEnv?.[service] };
}

/** Applies both services' migrations, as the deployment's migration job does. */
export function runMigrations(rootDir: string, databaseUrl: string): void {
  for (const service of ['config-service', 'audit-service']) {
    const result = spawnSync(
      process.execPath,
      [join(rootDir, 'apps', service, 'dist', 'migrate.js')],
      {
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );

    if (result.status !== 0) {
      throw new Error(`${service} migrations failed: ${(result.stderr || result.stdout).trim()}`);
    }
  }
}

async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;

  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before ready`);

    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }

    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  throw new Error(`not ready after ${timeoutMs} ms`);
}

/**
 * Runs the five services as separate processes, each on its own ports, and waits until every one
 * reports ready. Used by the development launcher and by the end-to-end tests alike.
 */
export async function launchSystem(options: SystemOptions): Promise<RunningSystem> {
  const gatewayPort = options.gatewayPort ?? (await freePort());
  const opsPorts = {} as Record<ServiceName, number>;
  for (const service of SERVICE_NAMES) {
    opsPorts[service] =
      service === 'gateway' ? gatewayPort : (options.opsPorts?.[service] ?? (await freePort()));
  }

  const opsUrls = Object.fromEntries(
    SERVICE_NAMES.map((service) => [service, `http://127.0.0.1:${opsPorts[service]}`]),
  ) as Record<ServiceName, string>;
  const processes = new Map<ServiceName, ChildProcess>();

  const start = async (service: ServiceName) => {
    const env = serviceEnv(service, options, { ops: opsPorts[service], gateway: gatewayPort });
    const child = spawn(
      process.execPath,
      [join(options.rootDir, 'apps', service, 'dist', 'main.js')],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );

    processes.set(service, child);

    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = createInterface({ input: child[stream]! });

      lines.on('line', (line) => options.onLine?.(service, line, stream));
    }

    try {
      await waitUntilReady(`${opsUrls[service]}/readyz`, child, options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${service} did not start: ${(error as Error).message}`);
    }
  };

  const stop = async (service: ServiceName) => {
    const child = processes.get(service);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;

    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);

    await exited;
    clearTimeout(forced);
  };

  const stopAll = async () => {
    for (const service of [...SERVICE_NAMES].reverse()) await stop(service);
  };

  try {
    runMigrations(options.rootDir, options.databaseUrl);
    await Promise.all(SERVICE_NAMES.map((service) => start(service)));
  } catch (error) {
    await stopAll();
    throw error;
  }

  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    opsUrls,
    processes,
    start,
    stop,
    stopAll,
  };
}
