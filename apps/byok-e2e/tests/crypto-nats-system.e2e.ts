import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  launchSystem,
  mintDashboardToken,
  type ProviderStandIn,
  provisionTestInfrastructure,
  type RunningSystem,
  SERVICE_NAMES,
  startProviderStandIn,
  type TestInfrastructure,
} from '@liya/dev-kit';

import { NATS_CONFIG, natsCredentials, ROOT, ScratchDirectory } from './crypto-support';

/**
 * The five services on a NATS server that runs the shipped configuration, each with its own
 * user: everything a tenant does still works (the JetStream audit path included), and no service
 * is ever refused a subject it needs.
 */
describe('the whole system under the per-service NATS users', () => {
  const credentials = natsCredentials();
  const scratch = new ScratchDirectory();
  const serverLog = join(scratch.path, 'nats-server.log');
  const jwtSecret = randomBytes(32).toString('hex');
  const tenantKey = `sk-proj-${randomBytes(18).toString('hex')}`;
  const logs: string[] = [];
  let infrastructure: TestInfrastructure;
  let standIn: ProviderStandIn;
  let system: RunningSystem;

  const token = mintDashboardToken(
    { tenantId: 'permitted', role: 'owner', plan: 'growth' },
    { secret: jwtSecret },
  );
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${system.gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });

    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  beforeAll(async () => {
    // The shipped configuration, unchanged but for a log file: the server logs every refusal.
    const configFile = scratch.file(
      'nats.conf',
      `${readFileSync(NATS_CONFIG, 'utf8')}\nlog_file: ${JSON.stringify(serverLog)}\n`,
    );

    infrastructure = await provisionTestInfrastructure({ nats: { configFile } });
    standIn = await startProviderStandIn();
    system = await launchSystem({
      rootDir: ROOT,
      databaseUrl: infrastructure.databaseUrl,
      natsUrl: infrastructure.natsUrl,
      masterKey: randomBytes(32).toString('base64'),
      jwtSecret,
      openaiBaseUrl: standIn.openaiBaseUrl,
      anthropicBaseUrl: standIn.anthropicBaseUrl,
      managedOpenAiKey: `sk-managed-${randomBytes(8).toString('hex')}`,
      providerHostAllowlist: `127.0.0.1:${standIn.port}`,
      extraEnv: Object.fromEntries(
        SERVICE_NAMES.map((service) => [
          service,
          { NATS_USER: service, NATS_PASSWORD: credentials[service]! },
        ]),
      ),
      onLine: (service, line) => logs.push(`${service}: ${line}`),
    });
  });

  afterAll(async () => {
    await system?.stopAll();
    await standIn?.close();
    await infrastructure?.release();
    scratch.remove();
  });

  it('stores a key, reads it back and serves a chat completion with it', async () => {
    const patch = await request('PATCH', '/dashboard/account/config', {
      providerConfig: { mode: 'byok', openai_api_key: tenantKey },
    });
    const read = await request('GET', '/dashboard/account/config');

    standIn.reset();
    const chat = await request('POST', '/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
    });

    expect([patch.status, read.status, chat.status]).toEqual([200, 200, 200]);
    expect(chat.headers.get('x-liya-key-source')).toBe('byok');
    expect(standIn.calls[0]?.headers.authorization).toBe(`Bearer ${tenantKey}`);
  });

  it('streams a chat completion', async () => {
    const streamed = await request('POST', '/v1/chat/completions', {
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'Hello' }],
    });

    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('data: [DONE]');
  });

  it('carries the audit event through JetStream to the audit log', async () => {
    const deadline = Date.now() + 15_000;
    let events: unknown[] = [];
    while (events.length === 0 && Date.now() < deadline) {
      const response = await request('GET', '/dashboard/account/audit-log');

      events = (JSON.parse(response.text) as { events?: unknown[] }).events ?? [];
      if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }

    expect(events).toEqual([expect.objectContaining({ action: 'byok_config_updated' })]);
  });

  it('runs the rewrap command with config-service credentials', () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'apps', 'config-service', 'dist', 'rewrap.js')],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          DATABASE_URL: infrastructure.databaseUrl,
          NATS_URL: infrastructure.natsUrl,
          NATS_USER: 'config-service',
          NATS_PASSWORD: credentials['config-service']!,
        },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );

    expect(run.stdout).toContain('done: every ciphertext is under version 1');
    expect(run.status).toBe(0);
  });

  it('never had a subject refused, by the server or in any service log', () => {
    const server = readFileSync(serverLog, 'utf8');

    expect(server).toContain('Server is ready');
    expect(server.split('\n').filter((line) => /violation/i.test(line))).toEqual([]);
    expect(logs.filter((line) => /permission|authorization violation/i.test(line))).toEqual([]);
  });
});
