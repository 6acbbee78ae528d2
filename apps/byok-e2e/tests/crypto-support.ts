import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { connect, type NatsConnection } from '@nats-io/transport-node';

import { findNatsServer, freePort, startPrivateNats } from '@liya/dev-kit';

export const ROOT = join(__dirname, '..', '..', '..');
export const NATS_CONFIG = join(ROOT, 'k8s', 'base', 'nats', 'nats.conf');

export type PrivateNats = Awaited<ReturnType<typeof startPrivateNats>>;

/** A private nats-server, optionally with a configuration file; these tests need the binary. */
export async function privateNats(configFile?: string): Promise<PrivateNats> {
  const binary = findNatsServer();
  if (!binary) throw new Error('these tests need the nats-server binary on the PATH');

  return startPrivateNats(binary, [], { configFile });
}

/** The development credentials of each NATS user, as the shipped configuration declares them. */
export function natsCredentials(): Record<string, string> {
  const text = readFileSync(NATS_CONFIG, 'utf8');
  const users = text.matchAll(/user:\s*"([^"]+)"[\s,]*password:\s*"([^"]+)"/g);

  return Object.fromEntries([...users].map((match) => [match[1]!, match[2]!]));
}

export interface KeyRingSpec {
  active: string;
  keys: Record<string, string>;
  retired?: string[];
}

export function randomKey(): string {
  return randomBytes(32).toString('base64');
}

export class ScratchDirectory {
  readonly path = mkdtempSync(join(tmpdir(), 'liya-crypto-test-'));

  file(name: string, content: string): string {
    const path = join(this.path, name);

    writeFileSync(path, content, { mode: 0o600 });

    return path;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface CryptoProcess {
  child: ChildProcess;
  lines: string[];
  /** How many operations of a kind the service has handled, whatever their outcome. */
  handled(operation: 'encrypt' | 'decrypt' | 'rewrap'): Promise<number>;
  /** The service's Prometheus metrics, as scraped from its ops port. */
  metrics(): Promise<string>;
  isRunning(): boolean;
  stop(): Promise<void>;
}

export interface CryptoProcessOptions {
  natsUrl: string;
  env: Record<string, string>;
  user?: string;
  password?: string;
}

function spawnCrypto(options: CryptoProcessOptions, opsPort: number) {
  const child = spawn(process.execPath, [join(ROOT, 'apps', 'crypto-service', 'dist', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      NATS_URL: options.natsUrl,
      OPS_PORT: String(opsPort),
      ...(options.user ? { NATS_USER: options.user } : {}),
      ...(options.password ? { NATS_PASSWORD: options.password } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const errorLines: string[] = [];

  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines.push(line);
    errorLines.push(line);
  });

  return { child, lines, errorLines };
}

/** Runs the built crypto-service until it exits, for start-up refusals. */
export async function runCryptoUntilExit(
  options: CryptoProcessOptions,
): Promise<{ code: number | null; lines: string[]; errorLines: string[] }> {
  const { child, lines, errorLines } = spawnCrypto(options, await freePort());
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

  clearTimeout(killer);
  await new Promise((resolve) => setImmediate(resolve));

  return { code, lines, errorLines };
}

/** Starts the built crypto-service as its own process and waits until it reports ready. */
export async function startCryptoProcess(options: CryptoProcessOptions): Promise<CryptoProcess> {
  const opsPort = await freePort();
  const { child, lines } = spawnCrypto(options, opsPort);
  const opsUrl = `http://127.0.0.1:${opsPort}`;
  const deadline = Date.now() + 20_000;

  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`crypto-service exited before ready:\n${lines.join('\n')}`);
    }

    const ready = await fetch(`${opsUrl}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`crypto-service not ready in time:\n${lines.join('\n')}`);
    }

    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const metrics = async () =>
    (await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();

  return {
    child,
    lines,
    metrics,
    handled: async (operation) => {
      const pattern = new RegExp(
        `^liya_crypto_operations_total\\{[^}]*operation="${operation}"[^}]*\\} (\\d+)$`,
        'gm',
      );

      return [...(await metrics()).matchAll(pattern)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    },
    isRunning: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;

      const exited = new Promise((resolve) => child.once('exit', resolve));

      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A bare client, as any process on the bus would have one. */
export function bareClient(
  url: string,
  options: { user?: string; pass?: string; inboxPrefix?: string } = {},
): Promise<NatsConnection> {
  return connect({ servers: url, timeout: 5000, maxReconnectAttempts: 0, ...options });
}
