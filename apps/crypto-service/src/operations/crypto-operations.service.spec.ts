import { randomBytes } from 'node:crypto';

import { Registry } from 'prom-client';

import { CRYPTO_BATCH_MAX_ITEMS, ServiceError } from '@liya/contracts';
import { EnvelopeCipher, KeyRing, MAX_PLAINTEXT_BYTES } from '@liya/crypto-core';
import { createLogger } from '@liya/runtime';

import { CryptoOperationsService } from './crypto-operations.service';

const SECRET = 'sk-ant-unit-0123456789abcdef0123456789';

function serviceWith(active: string, keys: Record<string, Buffer>, retired: string[] = []) {
  const ring = KeyRing.fromKeys(active, new Map(Object.entries(keys)), retired);
  const registry = new Registry();

  return {
    registry,
    operations: new CryptoOperationsService(
      new EnvelopeCipher(ring),
      createLogger('crypto-service', 'silent'),
      registry,
    ),
  };
}

function refusal(run: () => unknown): ServiceError {
  try {
    run();
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }

  throw new Error('the operation succeeded');
}

describe('crypto operations', () => {
  const one = randomBytes(32);
  const two = randomBytes(32);
  const { operations, registry } = serviceWith('1', { 1: one });
  const request = { tenantId: 'acme', field: 'anthropic_api_key' };
  const { ciphertext } = operations.encrypt({ ...request, plaintext: SECRET });

  it('encrypts, decrypts and says which version sealed the key', () => {
    expect(operations.encrypt({ ...request, plaintext: SECRET })).toEqual({
      ciphertext: expect.stringMatching(/^lbk1:1:/),
      keyVersion: '1',
    });
    expect(operations.decrypt({ ...request, ciphertext })).toEqual({ plaintext: SECRET });
  });

  it('rewraps to the active version without ever answering with the plaintext', () => {
    const rotated = serviceWith('2', { 1: one, 2: two }).operations;
    const reply = rotated.rewrap({ ...request, ciphertext });

    expect(reply).toMatchObject({ keyVersion: '2', rewrapped: true });
    expect(JSON.stringify(reply)).not.toContain(SECRET);
    expect(rotated.decrypt({ ...request, ciphertext: reply.ciphertext })).toEqual({
      plaintext: SECRET,
    });
  });

  it.each([
    ['no object', 'a string', 'crypto_invalid_input', 'request'],
    [
      'an unknown field',
      { tenantId: 'acme', field: 'password', plaintext: SECRET },
      'crypto_invalid_input',
      'field',
    ],
    [
      'a tenant id with a separator',
      { ...request, tenantId: 'a|b', plaintext: SECRET },
      'crypto_invalid_input',
      'tenantId',
    ],
    ['a numeric plaintext', { ...request, plaintext: 42 }, 'crypto_invalid_input', 'plaintext'],
    [
      'a plaintext over the limit',
      { ...request, plaintext: 'k'.repeat(MAX_PLAINTEXT_BYTES + 1) },
      'crypto_plaintext_too_large',
      'plaintext',
    ],
  ])('refuses to encrypt %s with a typed error', (_, input, code, field) => {
    const error = refusal(() => operations.encrypt(input));

    expect({ code: error.code, field: error.field }).toEqual({ code, field });
    expect(error.message).not.toContain(SECRET);
  });

  it('names a retired version apart from tampering', () => {
    const retired = serviceWith('2', { 2: two }, ['1']).operations;
    const tampered = `${ciphertext.slice(0, -2)}${ciphertext.endsWith('AA') ? 'AQ' : 'AA'}`;

    expect(refusal(() => retired.decrypt({ ...request, ciphertext })).code).toBe(
      'crypto_key_version_retired',
    );
    expect(refusal(() => operations.decrypt({ ...request, ciphertext: tampered })).code).toBe(
      'crypto_integrity_failure',
    );
  });

  it('answers a batch item by item and refuses one that is too large', () => {
    const reply = operations.decryptBatch({
      items: [{ ...request, ciphertext }, { ...request, field: 'openai_api_key', ciphertext }, 7],
    });

    expect(reply.activeKeyVersion).toBe('1');
    expect(reply.results.map((result) => (result.ok ? 'ok' : result.error.code))).toEqual([
      'ok',
      'crypto_integrity_failure',
      'crypto_invalid_input',
    ]);
    expect(
      refusal(() =>
        operations.rewrapBatch({
          items: Array.from({ length: CRYPTO_BATCH_MAX_ITEMS + 1 }, () => request),
        }),
      ).code,
    ).toBe('crypto_invalid_input');
  });

  it('counts outcomes by operation and code, never by tenant', async () => {
    const metrics = await registry.metrics();

    expect(metrics).toMatch(/liya_crypto_operations_total\{operation="decrypt",outcome="ok"\} \d+/);
    expect(metrics).toContain('outcome="crypto_integrity_failure"');
    expect(metrics).not.toContain('acme');
  });
});
