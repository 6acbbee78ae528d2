import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { Client } from 'pg';

import {
  launchSystem,
  mintDashboardToken,
  type DashboardTokenClaims,
  type ProviderStandIn,
  provisionTestInfrastructure,
  type RunningSystem,
  type ServiceName,
  startProviderStandIn,
  type SystemOptions,
  type TestInfrastructure,
} from '@liya/dev-kit';

export interface RecordedResponse {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface LogLine {
  service: ServiceName;
  line: string;
}

export interface SystemFixture {
  system: RunningSystem;
  standIn: ProviderStandIn;
  infrastructure: TestInfrastructure;
  managedOpenAiKey: string;
  responses: RecordedResponse[];
  logs: LogLine[];
  tokenFor(claims: DashboardTokenClaims): string;
  request(
    method: string,
    path: string,
    options?: {
      token?: string;
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; headers: Headers; json: () => unknown; text: string }>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..', '..');

/** A distinctive fake key whose random part can be searched for in every output. */
export function canaryKey(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('hex')}`;
}

/**
 * Starts the whole system for one test file: its own database and NATS, a provider stand-in, and
 * the five services as processes. Every HTTP response and log line is kept for leak searches.
 */
export async function startSystemFixture(
  overrides: Partial<SystemOptions> = {},
  options: { extraAllowedHosts?: string[]; natsConfigFile?: string } = {},
): Promise<SystemFixture> {
  const infrastructure = await provisionTestInfrastructure(
    options.natsConfigFile ? { nats: { configFile: options.natsConfigFile } } : {},
  );
  const standIn = await startProviderStandIn();
  const jwtSecret = randomBytes(32).toString('hex');
  const managedOpenAiKey = canaryKey('sk-managed-');
  const logs: LogLine[] = [];
  const responses: RecordedResponse[] = [];

  let system: RunningSystem;
  try {
    system = await launchSystem({
      rootDir: ROOT,
      databaseUrl: infrastructure.databaseUrl,
      natsUrl: infrastructure.natsUrl,
      masterKey: randomBytes(32).toString('base64'),
      jwtSecret,
      openaiBaseUrl: standIn.openaiBaseUrl,
      anthropicBaseUrl: standIn.anthropicBaseUrl,
      managedOpenAiKey,
      providerHostAllowlist: [
        `127.0.0.1:${standIn.port}`,
        ...(options.extraAllowedHosts ?? []),
      ].join(','),
      logLevel: 'debug',
      onLine: (service, line) => logs.push({ service, line }),
      ...overrides,
    });
  } catch (error) {
    await standIn.close();
    await infrastructure.release();
    const recent = logs.slice(-20).map((entry) => `${entry.service}: ${entry.line}`);
    throw new Error(`${(error as Error).message}\n${recent.join('\n')}`);
  }

  const database = new Client({ connectionString: infrastructure.databaseUrl });

  await database.connect();

  return {
    system,
    standIn,
    infrastructure,
    managedOpenAiKey,
    responses,
    logs,
    tokenFor: (claims) => mintDashboardToken(claims, { secret: jwtSecret }),
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;

      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }

      const response = await fetch(`${system.gatewayUrl}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();

      responses.push({
        method,
        path,
        status: response.status,
        headers: Object.fromEntries(response.headers.entries()),
        body: text,
      });

      return {
        status: response.status,
        headers: response.headers,
        json: () => JSON.parse(text),
        text,
      };
    },
    async query(sql, params) {
      const result = await database.query(sql, params);

      return result.rows;
    },
    async waitFor(probe, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const value = await probe();
        if (value !== undefined) return value;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      throw new Error(`timed out waiting for ${what}`);
    },
    async close() {
      await database.end();
      await system.stopAll();
      await standIn.close();
      await infrastructure.release();
    },
  };
}

/** The random part of a canary key: what must never appear anywhere. */
export function randomPartOf(key: string): string {
  return key.slice(key.lastIndexOf('-') + 1);
}

/** Every 8-character run of the secret, to catch partial copies (masked or truncated keys). */
export function fragmentsOf(secret: string, length = 8): string[] {
  const fragments: string[] = [];
  for (let start = 0; start + length <= secret.length; start += 1) {
    fragments.push(secret.slice(start, start + length));
  }

  return fragments;
}

export function findLeaks(haystacks: Array<{ where: string; text: string }>, secrets: string[]) {
  const leaks: string[] = [];
  for (const secret of secrets) {
    const fragments = fragmentsOf(randomPartOf(secret));
    for (const { where, text } of haystacks) {
      const hit = fragments.find((fragment) => text.includes(fragment));
      if (hit) leaks.push(`${where} contains "${hit}" of a planted key`);
    }
  }

  return leaks;
}
