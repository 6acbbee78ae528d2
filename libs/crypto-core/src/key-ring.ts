import { readFileSync } from 'node:fs';

export const MASTER_KEY_BYTES = 32;

export class KeyRingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingError';
  }
}

/**
 * The master-key versions this process holds: one active for encryption, the others kept so older
 * ciphertexts still decrypt until they are rewrapped and the version is retired.
 */
export class KeyRing {
  private constructor(
    readonly activeVersion: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
  ) {}

  static fromKeys(activeVersion: string, keys: ReadonlyMap<string, Buffer>): KeyRing {
    if (!keys.has(activeVersion)) {
      throw new KeyRingError(`the active master key version "${activeVersion}" is not in the ring`);
    }

    return new KeyRing(activeVersion, keys);
  }

  get versions(): string[] {
    return [...this.keys.keys()];
  }

  has(version: string): boolean {
    return this.keys.has(version);
  }

  key(version: string): Buffer | undefined {
    return this.keys.get(version);
  }
}

const VERSION_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

function decodeKey(version: string, base64: unknown): Buffer {
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64.trim())) {
    throw new KeyRingError(`master key version "${version}" is not base64`);
  }

  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== MASTER_KEY_BYTES) {
    throw new KeyRingError(`master key version "${version}" is not ${MASTER_KEY_BYTES} bytes`);
  }

  return key;
}

/**
 * Key ring file format (JSON, mounted from a Kubernetes Secret):
 *   { "active": "2", "keys": { "1": "<base64 of 32 bytes>", "2": "<base64 of 32 bytes>" } }
 * Errors name the version and the problem, never key material.
 */
export function parseKeyRingFile(text: string): KeyRing {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new KeyRingError('the master key file is not valid JSON');
  }

  const { active, keys } = (document ?? {}) as { active?: unknown; keys?: unknown };
  if (typeof active !== 'string' || typeof keys !== 'object' || keys === null) {
    throw new KeyRingError('the master key file needs "active" (a version) and "keys" (an object)');
  }

  const ring = new Map<string, Buffer>();
  const seen = new Set<string>();

  for (const [version, base64] of Object.entries(keys)) {
    if (!VERSION_PATTERN.test(version)) {
      throw new KeyRingError('a master key version name is not 1-32 letters, digits, _ or -');
    }

    const key = decodeKey(version, base64);
    const fingerprint = key.toString('hex');
    if (seen.has(fingerprint)) {
      throw new KeyRingError(`master key version "${version}" duplicates another version`);
    }

    seen.add(fingerprint);
    ring.set(version, key);
  }

  return KeyRing.fromKeys(active, ring);
}

/**
 * Loads the ring from MASTER_KEY_FILE, or from MASTER_KEY (one key, version "1") in development.
 */
export function loadKeyRing(env: NodeJS.ProcessEnv): KeyRing {
  if (env.MASTER_KEY_FILE) {
    let text: string;
    try {
      text = readFileSync(env.MASTER_KEY_FILE, 'utf8');
    } catch {
      throw new KeyRingError('MASTER_KEY_FILE cannot be read');
    }

    return parseKeyRingFile(text);
  }

  if (env.MASTER_KEY) {
    return KeyRing.fromKeys('1', new Map([['1', decodeKey('1', env.MASTER_KEY)]]));
  }

  throw new KeyRingError('MASTER_KEY_FILE or MASTER_KEY is missing');
}
