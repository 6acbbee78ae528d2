import { readFileSync } from 'node:fs';

import { KEY_VERSION_PATTERN } from './ciphertext-format';
import { KeyRing, KeyRingError, MASTER_KEY_BYTES } from './key-ring';

/**
 * Key ring file (JSON, mounted from a Kubernetes Secret):
 *
 *   { "active": "2", "keys": { "1": "<base64>", "2": "<base64>" }, "retired": ["0"] }
 *
 * `keys` maps each version to the standard base64 of 32 random bytes; `active` names the version
 * that encrypts; the others only decrypt. `retired` (optional) names versions whose keys were
 * removed after a rotation. Every error names the version and the problem, never key material.
 */
export function parseKeyRingFile(text: string): KeyRing {
  let document: unknown;

  // Editors on some systems start a file with a byte order mark; it is not part of the JSON.
  text = text.replace(/^\uFEFF/, '');
  try {
    document = JSON.parse(text);
  } catch {
    throw new KeyRingError('the master key file is not valid JSON');
  }

  const duplicate = duplicateMemberName(text);
  if (duplicate !== undefined) {
    const named = KEY_VERSION_PATTERN.test(duplicate) ? ` "${duplicate}"` : '';

    throw new KeyRingError(`the master key file names${named} twice`);
  }

  const { active, keys, retired, ...rest } = (document ?? {}) as Record<string, unknown>;
  if (typeof active !== 'string' || typeof keys !== 'object' || keys === null) {
    throw new KeyRingError('the master key file needs "active" (a version) and "keys" (an object)');
  }
  if (Array.isArray(keys)) {
    throw new KeyRingError('"keys" in the master key file must map versions to keys');
  }
  if (Object.keys(rest).length > 0) {
    throw new KeyRingError('the master key file has fields other than active, keys and retired');
  }

  const retiredVersions = retired ?? [];
  if (
    !Array.isArray(retiredVersions) ||
    !retiredVersions.every((version) => typeof version === 'string')
  ) {
    throw new KeyRingError('"retired" in the master key file must be a list of versions');
  }
  if (new Set(retiredVersions).size !== retiredVersions.length) {
    throw new KeyRingError('"retired" in the master key file names a version twice');
  }

  const ring = new Map<string, Buffer>();
  for (const [version, encoded] of Object.entries(keys)) {
    if (!KEY_VERSION_PATTERN.test(version)) {
      throw new KeyRingError('a master key version name is not 1-32 letters, digits, _ or -');
    }

    ring.set(version, decodeKey(version, encoded));
  }

  return KeyRing.fromKeys(active, ring, retiredVersions as string[]);
}

/**
 * Loads the ring from MASTER_KEY_FILE or, for development, from MASTER_KEY (one key, version "1").
 * Both at once is refused: which one wins would be a guess.
 */
export function loadKeyRing(env: NodeJS.ProcessEnv): KeyRing {
  const file = env.MASTER_KEY_FILE?.trim();
  const key = env.MASTER_KEY?.trim();

  if (file && key) {
    throw new KeyRingError('set MASTER_KEY_FILE or MASTER_KEY, not both');
  }

  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';

      throw new KeyRingError(`MASTER_KEY_FILE ${file} cannot be read (${code})`);
    }

    return parseKeyRingFile(text);
  }

  if (key) return KeyRing.fromKeys('1', new Map([['1', decodeKey('1', key)]]));

  throw new KeyRingError('MASTER_KEY_FILE or MASTER_KEY is missing');
}

function decodeKey(version: string, encoded: unknown): Buffer {
  const text = typeof encoded === 'string' ? encoded.trim() : '';
  const key = Buffer.from(text, 'base64');

  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.toString('base64') !== text) {
    throw new KeyRingError(`master key version "${version}" is not standard base64`);
  }
  if (key.length !== MASTER_KEY_BYTES) {
    throw new KeyRingError(
      `master key version "${version}" is ${key.length} bytes; ${MASTER_KEY_BYTES} are needed`,
    );
  }

  return key;
}

/**
 * JSON.parse keeps the last of two members with one name, which would silently drop a key
 * version; this finds such a repeated name in text already known to be valid JSON.
 */
function duplicateMemberName(text: string): string | undefined {
  const open: Array<Set<string> | undefined> = [];
  let index = 0;

  while (index < text.length) {
    const char = text[index];

    if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;

      const literal = text.slice(index, end + 1);
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next += 1;

      const members = open[open.length - 1];
      if (text[next] === ':' && members) {
        const name = JSON.parse(literal) as string;
        if (members.has(name)) return name;
        members.add(name);
      }

      index = end + 1;
      continue;
    }

    if (char === '{') open.push(new Set());
    if (char === '[') open.push(undefined);
    if (char === '}' || char === ']') open.pop();
    index += 1;
  }

  return undefined;
}
