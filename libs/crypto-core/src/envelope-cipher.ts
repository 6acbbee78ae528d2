import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

import type { KeyRing } from './key-ring';

/**
 * Ciphertext format, version 1 (all parts base64url, separated by colons):
 *
 *   lbk1:<key version>:<96-bit nonce>:<ciphertext>:<128-bit tag>
 *
 * The associated data is "lbk1|<tenant id>|<field>", so a ciphertext moved to another tenant or
 * field fails authentication. The AES key is not the master key itself but a subkey derived per
 * tenant with HKDF-SHA256, which keeps the number of random-nonce encryptions under any one AES key
 * to a single tenant's writes, far below GCM's 2^32 limit.
 */
export const CIPHERTEXT_PREFIX = 'lbk1';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = Buffer.from('liya-byok-tenant-key-v1');
const MAX_CACHED_SUBKEYS = 10_000;

export type CipherErrorKind =
  'malformed_ciphertext' | 'unknown_key_version' | 'integrity_failure' | 'invalid_input';

/** A typed failure whose message is fixed by us and holds neither key nor plaintext. */
export class CipherError extends Error {
  constructor(
    readonly kind: CipherErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CipherError';
  }
}

export interface CiphertextParts {
  keyVersion: string;
  nonce: Buffer;
  sealed: Buffer;
  tag: Buffer;
}

export function parseCiphertext(ciphertext: string): CiphertextParts {
  const parts = ciphertext.split(':');
  if (parts.length !== 5 || parts[0] !== CIPHERTEXT_PREFIX) {
    throw new CipherError('malformed_ciphertext', 'the ciphertext is not in the lbk1 format');
  }

  const [, keyVersion, nonce, sealed, tag] = parts as [string, string, string, string, string];
  const decoded = [nonce, sealed, tag].map((part) => {
    if (!/^[A-Za-z0-9_-]*$/.test(part)) {
      throw new CipherError('malformed_ciphertext', 'the ciphertext is not base64url');
    }

    return Buffer.from(part, 'base64url');
  }) as [Buffer, Buffer, Buffer];

  if (decoded[0].length !== NONCE_BYTES || decoded[2].length !== TAG_BYTES) {
    throw new CipherError('malformed_ciphertext', 'the ciphertext nonce or tag has the wrong size');
  }

  return { keyVersion, nonce: decoded[0], sealed: decoded[1], tag: decoded[2] };
}

function associatedData(tenantId: string, field: string): Buffer {
  return Buffer.from(`${CIPHERTEXT_PREFIX}|${tenantId}|${field}`, 'utf8');
}

export class EnvelopeCipher {
  private readonly subkeys = new Map<string, Buffer>();

  constructor(private readonly keyRing: KeyRing) {}

  get activeVersion(): string {
    return this.keyRing.activeVersion;
  }

  encrypt(tenantId: string, field: string, plaintext: string): string {
    const keyVersion = this.keyRing.activeVersion;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.subkey(keyVersion, tenantId), nonce, {
      authTagLength: TAG_BYTES,
    });

    cipher.setAAD(associatedData(tenantId, field));

    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();

    return [CIPHERTEXT_PREFIX, keyVersion, nonce, sealed, tag]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join(':');
  }

  decrypt(tenantId: string, field: string, ciphertext: string): string {
    const parts = parseCiphertext(ciphertext);
    if (!this.keyRing.has(parts.keyVersion)) {
      throw new CipherError('unknown_key_version', 'the ciphertext names a key version not held');
    }

    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.subkey(parts.keyVersion, tenantId),
      parts.nonce,
      { authTagLength: TAG_BYTES },
    );

    decipher.setAAD(associatedData(tenantId, field));
    decipher.setAuthTag(parts.tag);

    try {
      return Buffer.concat([decipher.update(parts.sealed), decipher.final()]).toString('utf8');
    } catch {
      throw new CipherError(
        'integrity_failure',
        'the ciphertext failed authentication (altered, or bound to another tenant or field)',
      );
    }
  }

  /** Re-encrypts under the active version; the plaintext never leaves this method. */
  rewrap(tenantId: string, field: string, ciphertext: string): string {
    if (parseCiphertext(ciphertext).keyVersion === this.keyRing.activeVersion) return ciphertext;

    return this.encrypt(tenantId, field, this.decrypt(tenantId, field, ciphertext));
  }

  private subkey(keyVersion: string, tenantId: string): Buffer {
    const cacheKey = `${keyVersion}\u0000${tenantId}`;
    const cached = this.subkeys.get(cacheKey);
    if (cached) return cached;

    const master = this.keyRing.key(keyVersion);
    if (!master) {
      throw new CipherError('unknown_key_version', 'the key version is not held');
    }

    const info = Buffer.from(`tenant:${tenantId}`, 'utf8');
    const subkey = Buffer.from(hkdfSync('sha256', master, HKDF_SALT, info, 32));

    if (this.subkeys.size >= MAX_CACHED_SUBKEYS) this.subkeys.clear();
    this.subkeys.set(cacheKey, subkey);

    return subkey;
  }
}
