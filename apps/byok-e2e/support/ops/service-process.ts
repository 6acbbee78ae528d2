import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { ServiceName } from '@liya/dev-kit';

const ROOT = join(__dirname, '..', '..', '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code (null when killed by a signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Runs one built service with exactly the given environment, keeping its output lines. */
export function spawnService(service: ServiceName, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [join(ROOT, 'apps', service, 'dist', 'main.js')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];

  createInterface({ input: child.stdout! }).on('line', (line) => stdout.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  return {
    child,
    stdout,
    stderr,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;

      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);

      await exited;
      clearTimeout(forced);
    },
  };
}

/** Polls until `probe` returns a value, or fails naming what it waited for. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;

  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;

    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until a URL answers with the given status; returns the body of that answer. */
export function statusOf(url: string, status: number, timeoutMs = 15_000): Promise<unknown> {
  return eventually(
    async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      const body = await response.json().catch(() => null);

      return response.status === status ? (body ?? {}) : undefined;
    },
    `${url} to answer ${status}`,
    timeoutMs,
  );
}
