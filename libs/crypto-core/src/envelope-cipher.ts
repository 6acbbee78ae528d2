import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

import { CipherError } from './cipher-error';
import {
  CIPHERTEXT_PREFIX,
  formatCiphertext,
  NONCE_BYTES,
  parseCiphertext,
  TAG_BYTES,
} from './ciphertext-format';
import type { KeyRing } from './key-ring';

/** Provider keys are short; anything larger is refused before it is encrypted. */
export const MAX_PLAINTEXT_BYTES = 4096;
export const MAX_CIPHERTEXT_LENGTH = 8192;

// Neither may contain "|", which keeps the associated data "lbk1|<tenant>|<field>" unambiguous.
const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
const FIELD_PATTERN = /^[a-z0-9_]{1,64}$/;

const HKDF_SALT = Buffer.from('liya-byok-tenant-key-v1');
const MAX_CACHED_SUBKEYS = 10_000;

export interface RewrapResult {
  ciphertext: string;
  keyVersion: string;
  /** False when the ciphertext was already under the active version and is returned as is. */
  rewrapped: boolean;
}

/**
 * AES-256-GCM with a random 96-bit nonce and the full 128-bit tag; the associated data binds every
 * ciphertext to its format, tenant and field (see ciphertext-format.ts for the layout).
 *
 * GCM's limit: with random nonces one key must stay far below 2^32 encryptions. The AES key is
 * therefore never the master key but a subkey derived per (master version, tenant) with
 * HKDF-SHA256, so any one AES key only ever seals one tenant's few provider keys, each write once.
 */
export class EnvelopeCipher {
  private readonly subkeys = new Map<string, Buffer>();

  constructor(private readonly keyRing: KeyRing) {}

  get activeVersion(): string {
    return this.keyRing.activeVersion;
  }

  encrypt(tenantId: string, field: string, plaintext: string): string {
    checkBinding(tenantId, field);
    if (typeof plaintext !== 'string' || plaintext.length === 0) {
      throw new CipherError('invalid_input', 'the plaintext must be a non-empty string');
    }
    // UTF-8 never takes fewer bytes than UTF-16 units, so a huge string is refused unencoded.
    if (plaintext.length > MAX_PLAINTEXT_BYTES) throw plaintextTooLarge();

    const bytes = Buffer.from(plaintext, 'utf8');
    try {
      if (bytes.length > MAX_PLAINTEXT_BYTES) throw plaintextTooLarge();

      return this.seal(tenantId, field, bytes);
    } finally {
      bytes.fill(0);
    }
  }

  decrypt(tenantId: string, field: string, ciphertext: string): string {
    // Known gap: the returned string cannot be wiped; it lives until garbage-collected.
    const opened = this.open(tenantId, field, ciphertext);
    try {
      return opened.toString('utf8');
    } finally {
      opened.fill(0);
    }
  }

  /**
   * Re-encrypts under the active version; the plaintext exists only inside this method. A
   * ciphertext already under the active version is still authenticated, then returned as is.
   */
  rewrap(tenantId: string, field: string, ciphertext: string): RewrapResult {
    const opened = this.open(tenantId, field, ciphertext);
    try {
      const active = this.keyRing.activeVersion;
      if (parseCiphertext(ciphertext).keyVersion === active) {
        return { ciphertext, keyVersion: active, rewrapped: false };
      }

      return {
        ciphertext: this.seal(tenantId, field, opened),
        keyVersion: active,
        rewrapped: true,
      };
    } finally {
      opened.fill(0);
    }
  }

  private seal(tenantId: string, field: string, plaintext: Buffer): string {
    const keyVersion = this.keyRing.activeVersion;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.subkey(keyVersion, tenantId), nonce, {
      authTagLength: TAG_BYTES,
    });

    cipher.setAAD(associatedData(tenantId, field));

    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);

    return formatCiphertext({ keyVersion, nonce, sealed, tag: cipher.getAuthTag() });
  }

  private open(tenantId: string, field: string, ciphertext: string): Buffer {
    checkBinding(tenantId, field);
    if (typeof ciphertext !== 'string' || ciphertext.length > MAX_CIPHERTEXT_LENGTH) {
      throw new CipherError('malformed_ciphertext', 'the ciphertext is not an lbk1 string');
    }

    const parts = parseCiphertext(ciphertext);
    if (this.keyRing.isRetired(parts.keyVersion)) {
      throw new CipherError('retired_key_version', 'the ciphertext names a retired key version');
    }
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
      return Buffer.concat([decipher.update(parts.sealed), decipher.final()]);
    } catch {
      throw new CipherError(
        'integrity_failure',
        'the ciphertext failed authentication (altered, or bound to another tenant or field)',
      );
    }
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

function plaintextTooLarge(): CipherError {
  return new CipherError(
    'plaintext_too_large',
    `the plaintext is larger than ${MAX_PLAINTEXT_BYTES} bytes`,
  );
}

function checkBinding(tenantId: unknown, field: unknown): void {
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new CipherError('invalid_input', 'the tenant id is missing or malformed');
  }
  if (typeof field !== 'string' || !FIELD_PATTERN.test(field)) {
    throw new CipherError('invalid_input', 'the field name is missing or malformed');
  }
}

function associatedData(tenantId: string, field: string): Buffer {
  return Buffer.from(`${CIPHERTEXT_PREFIX}|${tenantId}|${field}`, 'utf8');
}
