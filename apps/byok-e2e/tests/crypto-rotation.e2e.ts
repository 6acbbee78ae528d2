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
import {
  type CryptoProcess,
  type KeyRingSpec,
  randomKey,
  ROOT,
  ScratchDirectory,
  startCryptoProcess,
} from './crypto-support';

const CHAT_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };
const TENANTS = Array.from({ length: 16 }, (_, index) => `rotation-${index}`);
// Tenants that change their key during the rotation; the others keep theirs, as most do.
const WRITERS = TENANTS.slice(0, 6);
const SERVED = /^(patch 200|chat 200 byok|read 200 byok)$/;

interface RewrapRun {
  code: number | null;
  output: string;
}

/**
 * The key rotation of docs/key-rotation.md on real PostgreSQL and NATS, with two crypto-service
 * replicas restarted one at a time: version 2 is added as decrypt-only, made active, every
 * ciphertext is rewrapped and version 1 retired, while tenants keep storing keys, reading their
 * configuration and making chat completions. Not one of those requests may fail.
 */
describe('rotating the master key without downtime', () => {
  const scratch = new ScratchDirectory();
  const versionOne = randomKey();
  const versionTwo = randomKey();
  const startRing: KeyRingSpec = { active: '1', keys: { 1: versionOne } };
  const ringOfFixture = scratch.file('ring-a.json', JSON.stringify(startRing));
  const ringOfReplica = scratch.file('ring-b.json', JSON.stringify(startRing));
  const latest = new Map<string, string>();
  const everyKey: string[] = [];
  let fixture: SystemFixture;
  let replica: CryptoProcess;
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

    return `patch ${response.status}`;
  };

  const chat = async (tenantId: string) => {
    const response = await fixture.request('POST', '/v1/chat/completions', {
      token: token(tenantId),
      body: CHAT_BODY,
    });

    return `chat ${response.status} ${response.headers.get('x-liya-key-source')}`;
  };

  const read = async (tenantId: string) => {
    const response = await fixture.request('GET', '/dashboard/account/config', {
      token: token(tenantId),
    });
    const view = response.json() as { providerConfig?: { mode?: string } };

    return `read ${response.status} ${view.providerConfig?.mode}`;
  };

  /**
   * Runs `step` while one tenant after another stores a key, uses it and reads; answers what
   * every request got. `step` may wait for more rounds of that traffic to pass.
   */
  const underTraffic = async (
    step: (rounds: (count: number) => Promise<void>) => Promise<void>,
  ) => {
    const outcomes: string[] = [];
    const waiting: Array<{ round: number; resolve: () => void }> = [];
    let completed = 0;
    let running = true;
    const traffic = (async () => {
      for (let round = 0; running || round < 3; round += 1) {
        const tenantId = WRITERS[round % WRITERS.length]!;
        const other = TENANTS[(round * 7 + 3) % TENANTS.length]!;

        // A key is used right after it is stored: a replica that cannot read it would show.
        outcomes.push(await storeKey(tenantId), await chat(tenantId));
        outcomes.push(await chat(other), await read(other));

        completed += 1;
        for (const waiter of waiting.filter((entry) => entry.round <= completed)) waiter.resolve();
      }
    })();
    const rounds = (count: number) =>
      new Promise<void>((resolve) => waiting.push({ round: completed + count, resolve }));

    try {
      await step(rounds);
    } finally {
      running = false;
      await traffic;
    }

    return outcomes;
  };

  /** Every tenant's chat completion reaches the provider with the key it stored last. */
  const keysUsedByChat = async () => {
    const used: Record<string, string | undefined> = {};
    for (const tenantId of TENANTS) {
      fixture.standIn.reset();
      expect(await chat(tenantId)).toBe('chat 200 byok');
      used[tenantId] = fixture.standIn.calls[0]?.headers.authorization;
    }

    return used;
  };
  const expectedKeys = () =>
    Object.fromEntries(TENANTS.map((tenantId) => [tenantId, `Bearer ${latest.get(tenantId)}`]));

  const startReplica = () =>
    startCryptoProcess({
      natsUrl: fixture.infrastructure.natsUrl,
      env: { MASTER_KEY_FILE: ringOfReplica },
    });

  /**
   * The runbook's rollout: a new ring on one replica at a time, the other serving meanwhile, and
   * some traffic served by the two replicas on different rings before the second one follows.
   */
  const rollOut = async (ring: KeyRingSpec, rounds: (count: number) => Promise<void>) => {
    scratch.file('ring-a.json', JSON.stringify(ring));
    await fixture.system.stop('crypto-service');
    await fixture.system.start('crypto-service');
    await rounds(4);

    scratch.file('ring-b.json', JSON.stringify(ring));
    await replica.stop();
    replica = await startReplica();
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
    fixture = await startSystemFixture({ masterKeyFile: ringOfFixture });
    replica = await startReplica();
  });

  afterAll(async () => {
    await replica?.stop();
    await fixture?.close();
    scratch.remove();
  });

  it('starts with every key stored under version 1, on two replicas', async () => {
    for (const tenantId of TENANTS) expect(await storeKey(tenantId)).toBe('patch 200');

    expect(await versions()).toEqual([{ key_version: '1', prefix: '1', count: '16' }]);
    expect(await keysUsedByChat()).toEqual(expectedKeys());

    [{ ciphertext: oldCiphertext }] = await fixture.query<{ ciphertext: string }>(
      `SELECT ciphertext FROM byok_config.tenant_secrets WHERE tenant_id = $1`,
      [TENANTS[0]],
    );
  });

  it('adds version 2 as decrypt-only, then makes it active, with no failed request', async () => {
    const outcomes = await underTraffic(async (rounds) => {
      await rollOut({ active: '1', keys: { 1: versionOne, 2: versionTwo } }, rounds);
      await rollOut({ active: '2', keys: { 1: versionOne, 2: versionTwo } }, rounds);
    });

    expect(outcomes.length).toBeGreaterThanOrEqual(12);
    expect(outcomes.filter((outcome) => !SERVED.test(outcome))).toEqual([]);
    expect(await storeKey(TENANTS[0]!)).toBe('patch 200');

    const rows = await versions();

    expect(rows.find((row) => row.key_version === '2')).toMatchObject({ prefix: '2' });
    expect(rows.find((row) => row.key_version === '1')).toMatchObject({ prefix: '1' });
    expect(await keysUsedByChat()).toEqual(expectedKeys());
  });

  it('rewraps part of the keys, stops where asked, and says to run again', async () => {
    const [before] = (await versions()).filter((row) => row.key_version === '1');
    const partial = await rewrap('--batch-size', '2', '--max-batches', '3');

    expect(partial.code).toBe(0);
    expect(partial.output).toContain('active key version 2');
    expect(partial.output).toContain('6 rewrapped, 0 changed meanwhile (kept), 0 failed');
    expect(partial.output).toContain(
      `${Number(before!.count) - 6} ciphertext(s) left under older versions; run again`,
    );
    expect((await versions()).find((row) => row.key_version === '1')?.count).toBe(
      String(Number(before!.count) - 6),
    );
    expect(await chat(TENANTS[15]!)).toBe('chat 200 byok');
  });

  it('finishes the rewrap while tenants keep reading and writing, losing no write', async () => {
    let run: RewrapRun | undefined;
    const outcomes = await underTraffic(async () => {
      run = await rewrap('--batch-size', '1');
    });

    expect(run?.output).toContain('done: every ciphertext is under version 2');
    expect(run?.code).toBe(0);
    expect(outcomes.filter((outcome) => !SERVED.test(outcome))).toEqual([]);
    expect(await versions()).toEqual([{ key_version: '2', prefix: '2', count: '16' }]);
    expect(await keysUsedByChat()).toEqual(expectedKeys());
  });

  it('retires version 1 with no failed request, and every tenant keeps its own key', async () => {
    const outcomes = await underTraffic((rounds) =>
      rollOut({ active: '2', keys: { 2: versionTwo }, retired: ['1'] }, rounds),
    );

    expect(outcomes.filter((outcome) => !SERVED.test(outcome))).toEqual([]);
    expect(await keysUsedByChat()).toEqual(expectedKeys());
    for (const tenantId of TENANTS) expect(await read(tenantId)).toBe('read 200 byok');

    const check = await rewrap('--dry-run');

    expect(check.code).toBe(0);
    expect(check.output).toContain('ciphertexts by key version: 2=16');
  });

  it('refuses a ciphertext of the retired version on every replica', async () => {
    const connection = await connectNats({
      url: fixture.infrastructure.natsUrl,
      service: 'inference-router',
    });
    const rpc = new RpcClient(connection, 5000);
    const request = { tenantId: TENANTS[0]!, field: 'openai_api_key' as const };
    try {
      // Queue groups spread requests over both replicas, so a few cover each of them.
      const refusals = await Promise.all(
        Array.from({ length: 8 }, () =>
          rpc
            .call(CryptoRpc.decrypt, { ...request, ciphertext: oldCiphertext })
            .catch((error: unknown) => error),
        ),
      );

      expect(oldCiphertext).toMatch(/^lbk1:1:/);
      expect(refusals.every((refusal) => refusal instanceof ServiceError)).toBe(true);
      expect(new Set(refusals.map((refusal) => (refusal as ServiceError).code))).toEqual(
        new Set(['crypto_key_version_retired']),
      );
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
      ...replica.lines.map((line) => ({ where: 'second crypto-service replica log', text: line })),
    ];

    expect(everyKey.length).toBeGreaterThan(16);
    expect(findLeaks(haystacks, everyKey)).toEqual([]);
  });
});
