import { createHash } from 'node:crypto';
import { inspect } from 'node:util';

import { KEY_VERSION_PATTERN } from './ciphertext-format';

export const MASTER_KEY_BYTES = 32;

/** A key ring that cannot be used; its message names versions and problems, never key bytes. */
export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

export interface KeyRingDescription {
  active: string;
  decryptOnly: string[];
  retired: string[];
}

/**
 * The master-key versions this process holds: one active for encryption, the others kept so older
 * ciphertexts still decrypt until they are rewrapped. A retired version is named without its key,
 * so a ciphertext still made under it is refused as retired rather than as unknown.
 */
export class KeyRing {
  private constructor(
    readonly activeVersion: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly retired: ReadonlySet<string>,
  ) {}

  static fromKeys(
    activeVersion: string,
    keys: ReadonlyMap<string, Buffer>,
    retiredVersions: Iterable<string> = [],
  ): KeyRing {
    const retired = new Set(retiredVersions);
    const fingerprints = new Set<string>();

    for (const [version, key] of keys) {
      checkVersionName(version);
      if (key.length !== MASTER_KEY_BYTES) {
        throw new KeyRingError(
          `master key version "${version}" is ${key.length} bytes; ${MASTER_KEY_BYTES} are needed`,
        );
      }
      if (key.every((byte) => byte === key[0])) {
        throw new KeyRingError(`master key version "${version}" is one repeated byte, not random`);
      }

      // A digest, so the set never holds a second copy of key material.
      const fingerprint = createHash('sha256').update(key).digest('hex');
      if (fingerprints.has(fingerprint)) {
        throw new KeyRingError(
          `master key version "${version}" repeats the key of another version`,
        );
      }
      fingerprints.add(fingerprint);

      if (retired.has(version)) {
        throw new KeyRingError(
          `master key version "${version}" is listed as retired yet has a key`,
        );
      }
    }

    for (const version of retired) checkVersionName(version);

    if (!keys.has(activeVersion)) {
      throw new KeyRingError(`the active master key version "${activeVersion}" has no key`);
    }

    return new KeyRing(activeVersion, new Map(keys), retired);
  }

  get versions(): string[] {
    return [...this.keys.keys()];
  }

  has(version: string): boolean {
    return this.keys.has(version);
  }

  isRetired(version: string): boolean {
    return this.retired.has(version);
  }

  key(version: string): Buffer | undefined {
    return this.keys.get(version);
  }

  describe(): KeyRingDescription {
    return {
      active: this.activeVersion,
      decryptOnly: this.versions.filter((version) => version !== this.activeVersion),
      retired: [...this.retired],
    };
  }

  // Logging or serialising the ring shows its versions, never its keys.
  toJSON(): KeyRingDescription {
    return this.describe();
  }

  [inspect.custom](): string {
    return `KeyRing ${JSON.stringify(this.describe())}`;
  }
}

function checkVersionName(version: string): void {
  if (!KEY_VERSION_PATTERN.test(version)) {
    throw new KeyRingError('a master key version name is not 1-32 letters, digits, _ or -');
  }
}
