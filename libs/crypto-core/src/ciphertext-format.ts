import { CipherError } from './cipher-error';

/**
 * Ciphertext format, version 1. Five parts separated by colons:
 *
 *   lbk1:<key version>:<nonce>:<sealed>:<tag>
 *
 *   lbk1         format marker; a future layout gets a new marker, never a changed meaning
 *   key version  the master-key version the subkey was derived from (1-32 of A-Z a-z 0-9 _ -)
 *   nonce        96 random bits, base64url without padding (16 characters)
 *   sealed       AES-256-GCM output, as long as the UTF-8 plaintext, base64url without padding
 *   tag          the full 128-bit GCM tag, base64url without padding (22 characters)
 *
 * Only the canonical base64url spelling is accepted: the unused low bits of a final character are
 * otherwise free, and a string that is altered yet still decrypts would make ciphertexts malleable.
 */
export const CIPHERTEXT_PREFIX = 'lbk1';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/** Key version names, in the key ring file and in ciphertexts. */
export const KEY_VERSION_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export interface CiphertextParts {
  keyVersion: string;
  nonce: Buffer;
  sealed: Buffer;
  tag: Buffer;
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

// A final group of 2 characters carries 4 unused bits, one of 3 carries 2; canonical means zero.
const UNUSED_BITS: Record<number, number> = { 0: 0, 2: 0b1111, 3: 0b11 };

function decodeCanonical(part: string): Buffer {
  const unused = UNUSED_BITS[part.length % 4];
  const last = BASE64URL_ALPHABET.indexOf(part[part.length - 1] ?? 'A');

  if (unused === undefined || !BASE64URL.test(part) || (last & unused) !== 0) {
    throw new CipherError('malformed_ciphertext', 'the ciphertext is not canonical base64url');
  }

  return Buffer.from(part, 'base64url');
}

export function parseCiphertext(ciphertext: string): CiphertextParts {
  const parts = ciphertext.split(':');
  if (parts.length !== 5 || parts[0] !== CIPHERTEXT_PREFIX) {
    throw new CipherError('malformed_ciphertext', 'the ciphertext is not in the lbk1 format');
  }

  const [, keyVersion, nonce, sealed, tag] = parts as [string, string, string, string, string];
  if (!KEY_VERSION_PATTERN.test(keyVersion)) {
    throw new CipherError('malformed_ciphertext', 'the ciphertext key version is malformed');
  }

  const parsed = {
    keyVersion,
    nonce: decodeCanonical(nonce),
    sealed: decodeCanonical(sealed),
    tag: decodeCanonical(tag),
  };

  if (parsed.nonce.length !== NONCE_BYTES) {
    throw new CipherError('malformed_ciphertext', 'the ciphertext nonce is not 96 bits');
  }
  if (parsed.tag.length !== TAG_BYTES) {
    throw new CipherError('malformed_ciphertext', 'the ciphertext tag is not 128 bits');
  }

  return parsed;
}

export function formatCiphertext(parts: CiphertextParts): string {
  const encoded = [parts.nonce, parts.sealed, parts.tag].map((part) => part.toString('base64url'));

  return [CIPHERTEXT_PREFIX, parts.keyVersion, ...encoded].join(':');
}

/** The key version a ciphertext names, without authenticating it. */
export function keyVersionOf(ciphertext: string): string {
  return parseCiphertext(ciphertext).keyVersion;
}
