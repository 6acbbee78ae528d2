import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { CryptoRpc, ServiceError } from '@liya/contracts';
import { connectNats, RpcClient } from '@liya/messaging';

import {
  canaryKey,
  findLeaks,
  startSystemFixture,
  type SystemFixture,
} from '../support/system-fixture';
import { randomKey, ROOT, ScratchDirectory } from './crypto-support';

const CHAT_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };
const TENANTS = Array.from({ length: 16 }, (_, index) => `rotation-${index}`);

interface RewrapRun {
  code: number | null;
  output: string;
}

/**
 * The whole key rotation of docs/key-rotation.md on real PostgreSQL and NATS: a new active version
 * is rolled out, every ciphertext is rewrapped while tenants keep reading and writing, and the old
 * version is retired, with chat completions and reads in between every step.
 */
describe('rotating the master key without downtime', () => {
  const scratch = new ScratchDirectory();
  const versionOne = randomKey();
  const versionTwo = randomKey();
  const ringFile = scratch.file(
    'ring.json',
    JSON.stringify({ active: '1', keys: { 1: versionOne } }),
  );
  const latest = new Map<string, string>();
  const everyKey: string[] = [];
  let fixture: SystemFixture;
  let oldCiphertext: string;

  const token = (tenantId: string) => fixture.tokenFor({ tenantId, role: 'owner', plan: 'growth' });

  const storeKey = async (tenantId: string) => {
    const key = canaryKey('sk-proj-');
    const response = await fixture.request('PATCH', '/dashboard/account/config', {
      token: token(tenantId),
      body: { providerConfig: { mode: 'byok', openai_api_key: key } },
    });

    everyKey.push(key);
    if (response.status === 200) latest.set(tenantId, key);

    return response.status;
  };

  const chat = async (tenantId: string) => {
    const response = await fixture.request('POST', '/v1/chat/completions', {
      token: token(tenantId),
      body: CHAT_BODY,
    });

    return `${response.status} ${response.headers.get('x-liya-key-source')}`;
  };

  const read = async (tenantId: string) => {
    const response = await fixture.request('GET', '/dashboard/account/config', {
      token: token(tenantId),
    });

    const view = response.json() as { providerConfig?: { mode?: string } };

    return `${response.status} ${view.providerConfig?.mode}`;
  };

  /** Every tenant's chat completion reaches the provider with the key it stored last. */
  const keysUsedByChat = async () => {
    const used: Record<string, string | undefined> = {};
    for (const tenantId of TENANTS) {
      fixture.standIn.reset();
      expect(await chat(tenantId)).toBe('200 byok');
      used[tenantId] = fixture.standIn.calls[0]?.headers.authorization;
    }

    return used;
  };
  const expectedKeys = () =>
    Object.fromEntries(TENANTS.map((tenantId) => [tenantId, `Bearer ${latest.get(tenantId)}`]));

  const writeRing = (ring: object) => scratch.file('ring.json', JSON.stringify(ring));

  const restartCrypto = async () => {
    await fixture.system.stop('crypto-service');
    await fixture.system.start('crypto-service');
  };

  const rewrap = (...args: string[]): Promise<RewrapRun> =>
    new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'apps', 'config-service', 'dist', 'rewrap.js'), ...args],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            DATABASE_URL: fixture.infrastructure.databaseUrl,
            NATS_URL: fixture.infrastructure.natsUrl,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';

      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.once('exit', (code) => resolve({ code, output }));
    });

  const versions = () =>
    fixture.query<{ key_version: string; prefix: string; count: string }>(
      `SELECT key_version, split_part(ciphertext, ':', 2) AS prefix, count(*) AS count
         FROM byok_config.tenant_secrets GROUP BY 1, 2 ORDER BY 1, 2`,
    );

  beforeAll(async () => {
    fixture = await startSystemFixture({ masterKeyFile: ringFile });
  });

  afterAll(async () => {
    await fixture?.close();
    scratch.remove();
  });

  it('starts with every key stored under version 1', async () => {
    for (const tenantId of TENANTS) expect(await storeKey(tenantId)).toBe(200);

    expect(await versions()).toEqual([{ key_version: '1', prefix: '1', count: '16' }]);
    expect(await keysUsedByChat()).toEqual(expectedKeys());

    [{ ciphertext: oldCiphertext }] = await fixture.query<{ ciphertext: string }>(
      `SELECT ciphertext FROM byok_config.tenant_secrets WHERE tenant_id = $1`,
      [TENANTS[0]],
    );
  });

  it('rolls out version 2 as active while version 1 still decrypts', async () => {
    writeRing({ active: '2', keys: { 1: versionOne, 2: versionTwo } });
    await restartCrypto();

    expect(await chat(TENANTS[1]!)).toBe('200 byok');
    expect(await read(TENANTS[1]!)).toBe('200 byok');
    expect(await storeKey(TENANTS[0]!)).toBe(200);
    expect(await versions()).toEqual([
      { key_version: '1', prefix: '1', count: '15' },
      { key_version: '2', prefix: '2', count: '1' },
    ]);
    expect(await keysUsedByChat()).toEqual(expectedKeys());
  });

  it('rewraps part of the keys, stops where asked, and says to run again', async () => {
    const partial = await rewrap('--batch-size', '2', '--max-batches', '3');

    expect(partial.code).toBe(0);
    expect(partial.output).toContain('active key version 2');
    expect(partial.output).toContain('6 rewrapped, 0 changed meanwhile (kept), 0 failed');
    expect(partial.output).toContain('9 ciphertext(s) left under older versions; run again');
    expect(await versions()).toEqual([
      { key_version: '1', prefix: '1', count: '9' },
      { key_version: '2', prefix: '2', count: '7' },
    ]);
    expect(await chat(TENANTS[15]!)).toBe('200 byok');
  });

  it('finishes the rewrap while tenants keep reading and writing, losing no write', async () => {
    const outcomes: string[] = [];
    let running = true;
    const traffic = (async () => {
      for (let round = 0; running || round < 3; round += 1) {
        const tenantId = TENANTS[round % TENANTS.length]!;
        const other = TENANTS[(round * 7 + 3) % TENANTS.length]!;

        outcomes.push(`patch ${await storeKey(tenantId)}`);
        outcomes.push(`chat ${await chat(other)}`);
        outcomes.push(`read ${await read(other)}`);
      }
    })();

    const run = await rewrap('--batch-size', '1');

    running = false;
    await traffic;

    expect(run.output).toContain('done: every ciphertext is under version 2');
    expect(run.code).toBe(0);
    expect(outcomes.length).toBeGreaterThanOrEqual(9);
    expect(
      outcomes.filter((outcome) => !/^(patch 200|chat 200 byok|read 200 byok)$/.test(outcome)),
    ).toEqual([]);
    expect(await versions()).toEqual([{ key_version: '2', prefix: '2', count: '16' }]);
    expect(await keysUsedByChat()).toEqual(expectedKeys());
  });

  it('retires version 1, and every tenant is still served with its own key', async () => {
    writeRing({ active: '2', keys: { 2: versionTwo }, retired: ['1'] });
    await restartCrypto();

    expect(await keysUsedByChat()).toEqual(expectedKeys());
    for (const tenantId of TENANTS) expect(await read(tenantId)).toBe('200 byok');

    const check = await rewrap('--dry-run');

    expect(check.code).toBe(0);
    expect(check.output).toContain('ciphertexts by key version: 2=16');
  });

  it('refuses a ciphertext of the retired version', async () => {
    const connection = await connectNats({
      url: fixture.infrastructure.natsUrl,
      service: 'inference-router',
    });
    try {
      const refusal = await new RpcClient(connection, 5000)
        .call(CryptoRpc.decrypt, {
          tenantId: TENANTS[0]!,
          field: 'openai_api_key',
          ciphertext: oldCiphertext,
        })
        .catch((error: unknown) => error);

      expect(oldCiphertext).toMatch(/^lbk1:1:/);
      expect(refusal).toBeInstanceOf(ServiceError);
      expect((refusal as ServiceError).code).toBe('crypto_key_version_retired');
    } finally {
      await connection.drain();
    }
  });

  it('never showed a key in any response or log line', () => {
    const haystacks = [
      ...fixture.responses.map((response) => ({
        where: `${response.method} ${response.path}`,
        text: JSON.stringify(response.headers) + response.body,
      })),
      ...fixture.logs.map((entry) => ({ where: `${entry.service} log`, text: entry.line })),
    ];

    expect(everyKey.length).toBeGreaterThan(16);
    expect(findLeaks(haystacks, everyKey)).toEqual([]);
  });
});
