import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { SERVICE_NAMES } from '@liya/dev-kit';

import { startSystemFixture, type SystemFixture } from '../support/system-fixture';
import { NATS_CONFIG, natsCredentials, ROOT, ScratchDirectory } from './crypto-support';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };

/**
 * The five services on a NATS server that runs the shipped configuration, each with its own
 * user: everything a tenant does still works (the JetStream audit path included), and no service
 * is ever refused a subject it needs.
 */
describe('the whole system under the per-service NATS users', () => {
  const credentials = natsCredentials();
  const scratch = new ScratchDirectory();
  const serverLog = join(scratch.path, 'nats-server.log');
  const tenantKey = `sk-proj-${randomBytes(18).toString('hex')}`;
  let fixture: SystemFixture;
  let token: string;

  const request = (method: string, path: string, body?: unknown) =>
    fixture.request(method, path, { token, body });

  beforeAll(async () => {
    // The shipped configuration, unchanged but for a log file: the server logs every refusal.
    const natsConfigFile = scratch.file(
      'nats.conf',
      `${readFileSync(NATS_CONFIG, 'utf8')}\nlog_file: ${JSON.stringify(serverLog)}\n`,
    );
    const extraEnv = Object.fromEntries(
      SERVICE_NAMES.map((service) => [
        service,
        { NATS_USER: service, NATS_PASSWORD: credentials[service]! },
      ]),
    );

    fixture = await startSystemFixture({ extraEnv, logLevel: 'info' }, { natsConfigFile });
    token = fixture.tokenFor({ tenantId: 'permitted', role: 'owner', plan: 'growth' });
  });

  afterAll(async () => {
    await fixture?.close();
    scratch.remove();
  });

  it('stores a key, reads it back and serves a chat completion with it', async () => {
    const patch = await request('PATCH', '/dashboard/account/config', {
      providerConfig: { mode: 'byok', openai_api_key: tenantKey },
    });
    const read = await request('GET', '/dashboard/account/config');

    fixture.standIn.reset();
    const chat = await request('POST', '/v1/chat/completions', CHAT);

    expect([patch.status, read.status, chat.status]).toEqual([200, 200, 200]);
    expect(chat.headers.get('x-liya-key-source')).toBe('byok');
    expect(fixture.standIn.calls[0]?.headers.authorization).toBe(`Bearer ${tenantKey}`);
  });

  it('streams a chat completion', async () => {
    const streamed = await request('POST', '/v1/chat/completions', { ...CHAT, stream: true });

    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('data: [DONE]');
  });

  it('carries the audit event through JetStream to the audit log', async () => {
    const events = await fixture.waitFor(async () => {
      const response = await request('GET', '/dashboard/account/audit-log');
      const { events: stored = [] } = response.json() as { events?: unknown[] };

      return stored.length > 0 ? stored : undefined;
    }, 'the audit event');

    expect(events).toEqual([expect.objectContaining({ action: 'byok_config_updated' })]);
  });

  it('runs the rewrap command with config-service credentials', () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'apps', 'config-service', 'dist', 'rewrap.js')],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          DATABASE_URL: fixture.infrastructure.databaseUrl,
          NATS_URL: fixture.infrastructure.natsUrl,
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
    const refusals = fixture.logs.filter((entry) =>
      /permission|authorization violation/i.test(entry.line),
    );

    expect(refusals).toEqual([]);
  });
});
