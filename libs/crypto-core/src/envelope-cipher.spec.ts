import { randomBytes } from 'node:crypto';

import { CipherError, type CipherErrorKind } from './cipher-error';
import { parseCiphertext } from './ciphertext-format';
import { EnvelopeCipher, MAX_PLAINTEXT_BYTES } from './envelope-cipher';
import { KeyRing } from './key-ring';

const versionOne = randomBytes(32);
const versionTwo = randomBytes(32);
const SECRET = 'sk-proj-attack-test-0123456789abcdef';

function cipherWith(active: string, versions: string[], retired: string[] = []): EnvelopeCipher {
  const all = new Map([
    ['1', versionOne],
    ['2', versionTwo],
  ]);

  return new EnvelopeCipher(
    KeyRing.fromKeys(active, new Map(versions.map((v) => [v, all.get(v)!])), retired),
  );
}

function failureOf(run: () => unknown): CipherErrorKind {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    if (error instanceof CipherError) {
      expect(error.message).not.toContain(SECRET);

      return error.kind;
    }
    throw error;
  }

  throw new Error(`expected a CipherError, got a result of type ${typeof result}`);
}

function withPart(ciphertext: string, index: number, replace: (part: string) => string): string {
  const parts = ciphertext.split(':');

  parts[index] = replace(parts[index]!);

  return parts.join(':');
}

describe('the envelope cipher', () => {
  const cipher = cipherWith('1', ['1']);
  const sealed = cipher.encrypt('acme', 'openai_api_key', SECRET);

  it('round-trips and names its format and key version', () => {
    expect(sealed).toMatch(/^lbk1:1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(SECRET);
    expect(cipher.decrypt('acme', 'openai_api_key', sealed)).toBe(SECRET);
  });

  it('uses a fresh nonce for every encryption', () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 500; i += 1) {
      nonces.add(parseCiphertext(cipher.encrypt('acme', 'openai_api_key', SECRET)).nonce.join());
    }

    expect(nonces.size).toBe(500);
  });

  it('fails closed on a flipped bit anywhere in the ciphertext string', () => {
    const outcomes = new Set<CipherErrorKind>();
    for (let index = 0; index < sealed.length; index += 1) {
      for (let bit = 0; bit < 7; bit += 1) {
        const flipped = String.fromCharCode(sealed.charCodeAt(index) ^ (1 << bit));
        const altered = sealed.slice(0, index) + flipped + sealed.slice(index + 1);

        outcomes.add(failureOf(() => cipher.decrypt('acme', 'openai_api_key', altered)));
      }
    }

    expect([...outcomes].sort()).toEqual(
      ['integrity_failure', 'malformed_ciphertext', 'unknown_key_version'].sort(),
    );
  });

  it.each([
    ['nonce', 2],
    ['sealed text', 3],
    ['tag', 4],
  ])('reports an integrity failure for every flipped bit of the %s bytes', (_, index) => {
    const bytes = Buffer.from(sealed.split(':')[index]!, 'base64url');
    for (let bit = 0; bit < bytes.length * 8; bit += 1) {
      const altered = Buffer.from(bytes);

      altered[bit >> 3]! ^= 1 << (bit & 7);
      const ciphertext = withPart(sealed, index, () => altered.toString('base64url'));

      expect(failureOf(() => cipher.decrypt('acme', 'openai_api_key', ciphertext))).toBe(
        'integrity_failure',
      );
    }
  });

  it('refuses a non-canonical spelling that decodes to the same tag', () => {
    const tag = sealed.split(':')[4]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(tag[21]!);
    const sibling = alphabet[last ^ 1]!;
    const ciphertext = withPart(sealed, 4, (part) => part.slice(0, 21) + sibling);

    expect(Buffer.from(ciphertext.split(':')[4]!, 'base64url')).toEqual(
      Buffer.from(tag, 'base64url'),
    );
    expect(failureOf(() => cipher.decrypt('acme', 'openai_api_key', ciphertext))).toBe(
      'malformed_ciphertext',
    );
  });

  it('refuses a truncated tag, whether cut in its text or to fewer whole bytes', () => {
    const cut = withPart(sealed, 4, (tag) => tag.slice(0, -1));
    const twelveBytes = withPart(sealed, 4, (tag) =>
      Buffer.from(tag, 'base64url').subarray(0, 12).toString('base64url'),
    );

    expect(failureOf(() => cipher.decrypt('acme', 'openai_api_key', cut))).toBe(
      'malformed_ciphertext',
    );
    expect(failureOf(() => cipher.decrypt('acme', 'openai_api_key', twelveBytes))).toBe(
      'malformed_ciphertext',
    );
  });

  it('refuses a ciphertext moved to another tenant or another field', () => {
    expect(failureOf(() => cipher.decrypt('globex', 'openai_api_key', sealed))).toBe(
      'integrity_failure',
    );
    expect(failureOf(() => cipher.decrypt('acme', 'anthropic_api_key', sealed))).toBe(
      'integrity_failure',
    );
    expect(failureOf(() => cipher.rewrap('globex', 'openai_api_key', sealed))).toBe(
      'integrity_failure',
    );
  });

  it('refuses a retired key version, and says so apart from an unknown one', () => {
    const afterRetirement = cipherWith('2', ['2'], ['1']);
    const forgetful = cipherWith('2', ['2']);

    expect(failureOf(() => afterRetirement.decrypt('acme', 'openai_api_key', sealed))).toBe(
      'retired_key_version',
    );
    expect(failureOf(() => afterRetirement.rewrap('acme', 'openai_api_key', sealed))).toBe(
      'retired_key_version',
    );
    expect(failureOf(() => forgetful.decrypt('acme', 'openai_api_key', sealed))).toBe(
      'unknown_key_version',
    );
  });

  it('refuses a 10 MB plaintext without encrypting it', () => {
    const huge = 'k'.repeat(10 * 1024 * 1024);
    const multiByte = 'é'.repeat(MAX_PLAINTEXT_BYTES / 2 + 1);

    expect(failureOf(() => cipher.encrypt('acme', 'openai_api_key', huge))).toBe(
      'plaintext_too_large',
    );
    expect(failureOf(() => cipher.encrypt('acme', 'openai_api_key', multiByte))).toBe(
      'plaintext_too_large',
    );
    expect(cipher.encrypt('acme', 'openai_api_key', 'k'.repeat(MAX_PLAINTEXT_BYTES))).toMatch(
      /^lbk1:1:/,
    );
  });

  const notStrings: unknown[] = [42, null, undefined, { toString: () => SECRET }, [SECRET], true];

  it.each(notStrings.map((value) => [JSON.stringify(value) ?? String(value), value]))(
    'refuses non-string input %s in every position',
    (_, value) => {
      const anyValue = value as string;

      expect(failureOf(() => cipher.encrypt('acme', 'openai_api_key', anyValue))).toBe(
        'invalid_input',
      );
      expect(failureOf(() => cipher.encrypt(anyValue, 'openai_api_key', SECRET))).toBe(
        'invalid_input',
      );
      expect(failureOf(() => cipher.decrypt('acme', anyValue, sealed))).toBe('invalid_input');
      expect(failureOf(() => cipher.decrypt('acme', 'openai_api_key', anyValue))).toBe(
        'malformed_ciphertext',
      );
    },
  );

  it('refuses tenant ids and fields that would make the associated data ambiguous', () => {
    expect(failureOf(() => cipher.encrypt('acme|openai_api_key', 'x', SECRET))).toBe(
      'invalid_input',
    );
    expect(failureOf(() => cipher.encrypt('acme', 'openai|api_key', SECRET))).toBe('invalid_input');
  });
});

describe('rewrapping under a rotated ring', () => {
  const before = cipherWith('1', ['1']);
  const during = cipherWith('2', ['1', '2']);
  const oldCiphertext = before.encrypt('acme', 'azure_openai_key', SECRET);

  it('keeps old ciphertexts readable while a new version encrypts', () => {
    expect(during.decrypt('acme', 'azure_openai_key', oldCiphertext)).toBe(SECRET);
    expect(parseCiphertext(during.encrypt('acme', 'azure_openai_key', SECRET)).keyVersion).toBe(
      '2',
    );
  });

  it('re-encrypts under the active version without returning the plaintext', () => {
    const result = during.rewrap('acme', 'azure_openai_key', oldCiphertext);

    expect(result).toEqual({ ciphertext: expect.any(String), keyVersion: '2', rewrapped: true });
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(result.ciphertext).toMatch(/^lbk1:2:/);
    expect(
      cipherWith('2', ['2'], ['1']).decrypt('acme', 'azure_openai_key', result.ciphertext),
    ).toBe(SECRET);
  });

  it('returns a ciphertext already under the active version unchanged, after checking it', () => {
    const current = during.encrypt('acme', 'azure_openai_key', SECRET);
    const tampered = withPart(current, 3, (part) => (part[0] === 'A' ? 'B' : 'A') + part.slice(1));

    expect(during.rewrap('acme', 'azure_openai_key', current)).toEqual({
      ciphertext: current,
      keyVersion: '2',
      rewrapped: false,
    });
    expect(failureOf(() => during.rewrap('acme', 'azure_openai_key', tampered))).toBe(
      'integrity_failure',
    );
  });
});
