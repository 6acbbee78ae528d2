import { generateKeyPairSync, type KeyObject } from 'node:crypto';

import { loadVerificationKey } from './verification-key';

function publicPem(pair: { publicKey: { export(options: object): string | Buffer } }): string {
  return pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

const rsa2048 = publicPem(generateKeyPairSync('rsa', { modulusLength: 2048 }));
const rsa1024 = publicPem(generateKeyPairSync('rsa', { modulusLength: 1024 }));
const p256 = publicPem(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
const p384 = publicPem(generateKeyPairSync('ec', { namedCurve: 'P-384' }));

function pemOf(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

describe('loadVerificationKey', () => {
  it('uses the shared secret for HS256', () => {
    const secret = 's'.repeat(32);

    const key = loadVerificationKey({
      DASHBOARD_JWT_ALGORITHM: 'HS256',
      DASHBOARD_JWT_SECRET: secret,
    });

    expect(key.type).toBe('secret');
    expect(key.export().toString('utf8')).toBe(secret);
  });

  it('accepts an RSA key for RS256 and a P-256 key for ES256', () => {
    expect(
      pemOf(
        loadVerificationKey({
          DASHBOARD_JWT_ALGORITHM: 'RS256',
          DASHBOARD_JWT_PUBLIC_KEY: rsa2048,
        }),
      ),
    ).toBe(rsa2048);
    expect(
      pemOf(
        loadVerificationKey({ DASHBOARD_JWT_ALGORITHM: 'ES256', DASHBOARD_JWT_PUBLIC_KEY: p256 }),
      ),
    ).toBe(p256);
  });

  it('accepts a PEM whose line breaks were written as \\n', () => {
    const escaped = rsa2048.replace(/\n/g, '\\n');

    expect(
      pemOf(
        loadVerificationKey({
          DASHBOARD_JWT_ALGORITHM: 'RS256',
          DASHBOARD_JWT_PUBLIC_KEY: escaped,
        }),
      ),
    ).toBe(rsa2048);
  });

  it.each([
    ['RS256', p256, /RSA public key/],
    ['RS256', rsa1024, /at least 2048 bits/],
    ['ES256', rsa2048, /P-256/],
    ['ES256', p384, /P-256/],
    ['RS256', 'not a key', /not a PEM public key/],
  ] as const)('refuses for %s a key that does not fit (%#)', (algorithm, key, message) => {
    expect(() =>
      loadVerificationKey({ DASHBOARD_JWT_ALGORITHM: algorithm, DASHBOARD_JWT_PUBLIC_KEY: key }),
    ).toThrow(message);
  });

  it('names an unreadable key file', () => {
    expect(() =>
      loadVerificationKey({
        DASHBOARD_JWT_ALGORITHM: 'ES256',
        DASHBOARD_JWT_PUBLIC_KEY_FILE: '/nonexistent/key.pem',
      }),
    ).toThrow('DASHBOARD_JWT_PUBLIC_KEY_FILE /nonexistent/key.pem cannot be read');
  });
});
