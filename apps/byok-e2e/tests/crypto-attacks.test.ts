import { createConnection } from 'node:net';

import { CryptoRpc, type DecryptRequest, type EncryptRequest, ServiceError } from '@liya/contracts';
import { connectNats, RpcClient } from '@liya/messaging';

import {
  bareClient,
  type CryptoProcess,
  privateNats,
  type PrivateNats,
  randomKey,
  ScratchDirectory,
  startCryptoProcess,
} from './crypto-support';

const SECRET = `sk-proj-${'attack'.repeat(4)}-${Date.now().toString(36)}`;
const TEN_MB = 10 * 1024 * 1024;

/** A client that ignores the limit: announces a 10 MB publish on a raw connection. */
function serverAnswerToHugePublish(url: string): Promise<string> {
  const { hostname, port } = new URL(url);

  return new Promise((resolve, reject) => {
    let received = '';
    const socket = createConnection(Number(port), hostname, () => {
      socket.write(`CONNECT {"verbose":false}\r\nPUB ${CryptoRpc.encrypt.subject} ${TEN_MB}\r\n`);
    });

    socket.setTimeout(5000, () => socket.destroy(new Error('no answer from nats-server')));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.once('close', () => resolve(received));
    socket.once('error', reject);
  });
}

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ServiceError) return error.code;
    throw error;
  }

  return 'succeeded';
}

function withPart(ciphertext: string, index: number, replace: (part: string) => string): string {
  const parts = ciphertext.split(':');

  parts[index] = replace(parts[index]!);

  return parts.join(':');
}

function flipByte(part: string, byteIndex: number, bit: number): string {
  const bytes = Buffer.from(part, 'base64url');

  bytes[byteIndex]! ^= 1 << bit;

  return bytes.toString('base64url');
}

describe('crypto-service under attack, over a real NATS', () => {
  const scratch = new ScratchDirectory();
  const keyOne = randomKey();
  const keyTwo = randomKey();
  let nats: PrivateNats;
  let service: CryptoProcess;
  let rpc: RpcClient;
  let closeClient: () => Promise<void>;
  let oldCiphertext: string;
  let current: string;

  const encrypt = (request: Partial<EncryptRequest> | unknown) =>
    rpc.call(CryptoRpc.encrypt, request as EncryptRequest);
  const decrypt = (request: Partial<DecryptRequest> | unknown) =>
    rpc.call(CryptoRpc.decrypt, request as DecryptRequest);

  beforeAll(async () => {
    nats = await privateNats();

    const ringFile = scratch.file(
      'ring.json',
      JSON.stringify({ active: '1', keys: { 1: keyOne } }),
    );
    const before = await startCryptoProcess({
      natsUrl: nats.url,
      env: { MASTER_KEY_FILE: ringFile },
    });
    const connection = await connectNats({ url: nats.url, service: 'inference-router' });

    closeClient = () => connection.drain();
    rpc = new RpcClient(connection, 5000);
    oldCiphertext = (
      await encrypt({ tenantId: 'acme', field: 'openai_api_key', plaintext: SECRET })
    ).ciphertext;
    await before.stop();

    // Version 1 has been rotated out and retired; version 2 encrypts.
    scratch.file('ring.json', JSON.stringify({ active: '2', keys: { 2: keyTwo }, retired: ['1'] }));
    service = await startCryptoProcess({ natsUrl: nats.url, env: { MASTER_KEY_FILE: ringFile } });
    current = (await encrypt({ tenantId: 'acme', field: 'openai_api_key', plaintext: SECRET }))
      .ciphertext;
  });

  afterAll(async () => {
    await closeClient?.();
    await service?.stop();
    await nats?.stop();
    scratch.remove();
  });

  it('reports the versions it holds, by name only', async () => {
    const metrics = await service.metrics();

    expect(metrics).toMatch(
      /^liya_crypto_key_version_info\{[^}]*version="2",state="active"[^}]*\} 1$/m,
    );
    expect(metrics).toMatch(
      /^liya_crypto_key_version_info\{[^}]*version="1",state="retired"[^}]*\} 1$/m,
    );
    expect(metrics).not.toContain(keyTwo.slice(0, 12));
  });

  it('encrypts under the active version and decrypts for the same tenant and field', async () => {
    expect(current).toMatch(/^lbk1:2:/);
    await expect(
      decrypt({ tenantId: 'acme', field: 'openai_api_key', ciphertext: current }),
    ).resolves.toEqual({ plaintext: SECRET });
  });

  it('refuses a flipped bit in every part of the ciphertext with its typed error', async () => {
    const request = (ciphertext: string) =>
      decrypt({ tenantId: 'acme', field: 'openai_api_key', ciphertext });
    const altered: Array<[string, string, string]> = [
      ['format marker', withPart(current, 0, () => 'lbk0'), 'crypto_malformed_ciphertext'],
      ['key version', withPart(current, 1, () => '3'), 'crypto_unknown_key_version'],
    ];
    for (const [index, name] of [
      [2, 'nonce'],
      [3, 'sealed text'],
      [4, 'tag'],
    ] as const) {
      const length = Buffer.from(current.split(':')[index]!, 'base64url').length;
      for (let byte = 0; byte < length; byte += 1) {
        const ciphertext = withPart(current, index, (part) => flipByte(part, byte, byte % 8));

        altered.push([`${name} byte ${byte}`, ciphertext, 'crypto_integrity_failure']);
      }
    }

    const outcomes = await Promise.all(
      altered.map(async ([where, ciphertext]) => [where, await codeOf(request(ciphertext))]),
    );

    expect(Object.fromEntries(outcomes)).toEqual(
      Object.fromEntries(altered.map(([where, , code]) => [where, code])),
    );
  });

  it('refuses a truncated tag', async () => {
    const cut = withPart(current, 4, (tag) =>
      Buffer.from(tag, 'base64url').subarray(0, 12).toString('base64url'),
    );

    expect(
      await codeOf(decrypt({ tenantId: 'acme', field: 'openai_api_key', ciphertext: cut })),
    ).toBe('crypto_malformed_ciphertext');
  });

  it('refuses a ciphertext moved to another tenant or another field', async () => {
    const moved = [
      decrypt({ tenantId: 'globex', field: 'openai_api_key', ciphertext: current }),
      decrypt({ tenantId: 'acme', field: 'anthropic_api_key', ciphertext: current }),
      rpc.call(CryptoRpc.rewrap, {
        tenantId: 'globex',
        field: 'openai_api_key',
        ciphertext: current,
      }),
    ];

    expect(await Promise.all(moved.map(codeOf))).toEqual([
      'crypto_integrity_failure',
      'crypto_integrity_failure',
      'crypto_integrity_failure',
    ]);
  });

  it('refuses a ciphertext of a retired key version, to decrypt and to rewrap', async () => {
    const request = {
      tenantId: 'acme',
      field: 'openai_api_key' as const,
      ciphertext: oldCiphertext,
    };

    expect(oldCiphertext).toMatch(/^lbk1:1:/);
    expect(await codeOf(decrypt(request))).toBe('crypto_key_version_retired');
    expect(await codeOf(rpc.call(CryptoRpc.rewrap, request))).toBe('crypto_key_version_retired');
  });

  it('refuses non-string input in every position with a typed error', async () => {
    const base = { tenantId: 'acme', field: 'openai_api_key', plaintext: SECRET };
    const requests: Array<[string, Promise<unknown>, string]> = [
      ['numeric plaintext', encrypt({ ...base, plaintext: 42 }), 'crypto_invalid_input'],
      ['null plaintext', encrypt({ ...base, plaintext: null }), 'crypto_invalid_input'],
      [
        'object plaintext',
        encrypt({ ...base, plaintext: { value: SECRET } }),
        'crypto_invalid_input',
      ],
      ['array plaintext', encrypt({ ...base, plaintext: [SECRET] }), 'crypto_invalid_input'],
      ['numeric tenant', encrypt({ ...base, tenantId: 7 }), 'crypto_invalid_input'],
      ['object field', encrypt({ ...base, field: {} }), 'crypto_invalid_input'],
      ['unknown field', encrypt({ ...base, field: 'password' }), 'crypto_invalid_input'],
      [
        'numeric ciphertext',
        decrypt({ tenantId: 'acme', field: 'openai_api_key', ciphertext: 42 }),
        'crypto_invalid_input',
      ],
      ['a string request', encrypt('encrypt this'), 'crypto_invalid_input'],
      ['an array request', encrypt([base]), 'crypto_invalid_input'],
      ['a null request', decrypt(null), 'crypto_invalid_input'],
    ];

    const outcomes = await Promise.all(requests.map(([, call]) => codeOf(call)));

    expect(Object.fromEntries(requests.map(([what], i) => [what, outcomes[i]]))).toEqual(
      Object.fromEntries(requests.map(([what, , code]) => [what, code])),
    );
  });

  it('answers a request that is not JSON at all with a typed error', async () => {
    const client = await bareClient(nats.url);
    try {
      const reply = await client.request(CryptoRpc.decrypt.subject, 'not json {', {
        timeout: 5000,
      });

      expect(reply.json()).toEqual({
        ok: false,
        error: expect.objectContaining({ code: 'invalid_request' }),
      });
    } finally {
      await client.close();
    }
  });

  it('never lets a 10 MB request onto a bus with the default payload limit', async () => {
    const client = await bareClient(nats.url);
    const handledBefore = await service.handled('encrypt');
    try {
      const huge = JSON.stringify({
        ...{ tenantId: 'acme', field: 'openai_api_key' },
        plaintext: 'k'.repeat(TEN_MB),
      });

      await expect(
        client.request(CryptoRpc.encrypt.subject, huge, { timeout: 5000 }),
      ).rejects.toThrow(/max_payload/);
    } finally {
      await client.close();
    }

    expect(await serverAnswerToHugePublish(nats.url)).toMatch(/Maximum Payload Violation/);
    expect(await service.handled('encrypt')).toBe(handledBefore);
    expect(service.isRunning()).toBe(true);
  });

  it('refuses a 10 MB plaintext that does reach it, and stays up', async () => {
    const roomy = await privateNats(scratch.file('large.conf', 'max_payload: 16MB\n'));
    const ringFile = scratch.file(
      'ring-two.json',
      JSON.stringify({ active: '2', keys: { 2: keyTwo } }),
    );
    const large = await startCryptoProcess({
      natsUrl: roomy.url,
      env: { MASTER_KEY_FILE: ringFile },
    });
    const connection = await connectNats({ url: roomy.url, service: 'config-service' });
    const client = new RpcClient(connection, 15_000);
    try {
      const request = { tenantId: 'acme', field: 'openai_api_key' as const };

      expect(
        await codeOf(client.call(CryptoRpc.encrypt, { ...request, plaintext: 'k'.repeat(TEN_MB) })),
      ).toBe('crypto_plaintext_too_large');
      expect(
        await codeOf(
          client.call(CryptoRpc.decrypt, { ...request, ciphertext: 'x'.repeat(TEN_MB) }),
        ),
      ).toBe('crypto_malformed_ciphertext');

      const after = await client.call(CryptoRpc.encrypt, { ...request, plaintext: SECRET });

      expect(after.ciphertext).toMatch(/^lbk1:2:/);
      expect(large.isRunning()).toBe(true);
    } finally {
      await connection.drain();
      await large.stop();
      await roomy.stop();
    }
  });

  it('answers batches item by item, in order, and bounds their size', async () => {
    const items = [
      { tenantId: 'acme', field: 'openai_api_key', ciphertext: current },
      { tenantId: 'acme', field: 'openai_api_key', ciphertext: oldCiphertext },
      { tenantId: 'globex', field: 'openai_api_key', ciphertext: current },
      { tenantId: 'acme', field: 'openai_api_key', ciphertext: 7 },
    ] as DecryptRequest[];

    const reply = await rpc.call(CryptoRpc.decryptBatch, { items });
    const empty = await rpc.call(CryptoRpc.rewrapBatch, { items: [] });
    const tooMany = Array.from({ length: 101 }, () => items[0]!);

    expect(reply.activeKeyVersion).toBe('2');
    expect(reply.results.map((result) => (result.ok ? 'ok' : result.error.code))).toEqual([
      'ok',
      'crypto_key_version_retired',
      'crypto_integrity_failure',
      'crypto_invalid_input',
    ]);
    expect(reply.results[0]).toEqual({ ok: true, value: { plaintext: SECRET } });
    expect(empty).toEqual({ activeKeyVersion: '2', results: [] });
    expect(await codeOf(rpc.call(CryptoRpc.decryptBatch, { items: tooMany }))).toBe(
      'crypto_invalid_input',
    );
    expect(await codeOf(rpc.call(CryptoRpc.encryptBatch, { items: 'all' } as never))).toBe(
      'crypto_invalid_input',
    );
  });

  it('is still up and answering after every attack, and never logged the key', async () => {
    await expect(
      decrypt({ tenantId: 'acme', field: 'openai_api_key', ciphertext: current }),
    ).resolves.toEqual({ plaintext: SECRET });
    expect(service.isRunning()).toBe(true);

    const logs = service.lines.join('\n');

    expect(logs).toContain('crypto operation refused');
    for (const secret of [SECRET.slice(-12), keyOne.slice(0, 12), keyTwo.slice(0, 12)]) {
      expect(logs).not.toContain(secret);
    }
  });
});
