import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { KeyRingError } from './key-ring';
import { loadKeyRing, parseKeyRingFile } from './key-ring-file';

const keyOne = randomBytes(32).toString('base64');
const keyTwo = randomBytes(32).toString('base64');

function refusal(load: () => unknown): KeyRingError {
  try {
    load();
  } catch (error) {
    if (error instanceof KeyRingError) return error;
    throw error;
  }

  throw new Error('the key ring was accepted');
}

describe('the key ring file', () => {
  it('loads an active version and a decrypt-only version', () => {
    const ring = parseKeyRingFile(JSON.stringify({ active: '2', keys: { 1: keyOne, 2: keyTwo } }));

    expect(ring.activeVersion).toBe('2');
    expect(ring.describe()).toEqual({ active: '2', decryptOnly: ['1'], retired: [] });
    expect(ring.key('1')).toEqual(Buffer.from(keyOne, 'base64'));
  });

  it('accepts a file that starts with a byte order mark', () => {
    const ring = parseKeyRingFile(`\uFEFF${JSON.stringify({ active: '1', keys: { 1: keyOne } })}`);

    expect(ring.activeVersion).toBe('1');
  });

  it('names retired versions without holding their keys', () => {
    const ring = parseKeyRingFile(
      JSON.stringify({ active: '2', keys: { 2: keyTwo }, retired: ['1'] }),
    );

    expect(ring.isRetired('1')).toBe(true);
    expect(ring.has('1')).toBe(false);
  });

  it('never shows key material when logged or serialised', () => {
    const ring = parseKeyRingFile(JSON.stringify({ active: '1', keys: { 1: keyOne } }));
    const hex = Buffer.from(keyOne, 'base64').toString('hex');
    const shown = `${JSON.stringify(ring)} ${inspect(ring)}`;

    expect(shown).toContain('"active":"1"');
    expect(shown).not.toContain(keyOne.slice(0, 12));
    expect(shown).not.toContain(hex.slice(0, 12));
  });

  const cases: Array<[string, string, RegExp]> = [
    ['is not JSON', '{"active":', /not valid JSON/],
    ['misses the active version', JSON.stringify({ keys: { 1: keyOne } }), /needs "active"/],
    [
      'names an active version without a key',
      JSON.stringify({ active: '3', keys: { 1: keyOne } }),
      /active master key version "3" has no key/,
    ],
    [
      'holds a short key',
      JSON.stringify({ active: '1', keys: { 1: randomBytes(16).toString('base64') } }),
      /version "1" is 16 bytes; 32 are needed/,
    ],
    [
      'holds a key that is not base64',
      JSON.stringify({ active: '1', keys: { 1: 'not base64 at all!' } }),
      /version "1" is not standard base64/,
    ],
    [
      'holds the same key under two versions',
      JSON.stringify({ active: '2', keys: { 1: keyOne, 2: keyOne } }),
      /version "2" repeats the key of another version/,
    ],
    [
      'names one version twice',
      `{"active":"1","keys":{"1":"${keyOne}","1":"${keyTwo}"}}`,
      /names "1" twice/,
    ],
    [
      'lists a version as retired that still has a key',
      JSON.stringify({ active: '2', keys: { 1: keyOne, 2: keyTwo }, retired: ['1'] }),
      /version "1" is listed as retired yet has a key/,
    ],
    [
      'holds a key of one repeated byte',
      JSON.stringify({ active: '1', keys: { 1: Buffer.alloc(32).toString('base64') } }),
      /one repeated byte/,
    ],
    [
      'uses a key as a version name',
      JSON.stringify({ active: '1', keys: { 1: keyOne, [keyTwo]: keyTwo } }),
      /version name is not 1-32/,
    ],
    [
      'has an unexpected field',
      JSON.stringify({ active: '1', keys: { 1: keyOne }, master: keyTwo }),
      /fields other than/,
    ],
  ];

  it.each(cases)('refuses a file that %s, in one line without key material', (_, text, why) => {
    const error = refusal(() => parseKeyRingFile(text));

    expect(error.message).toMatch(why);
    expect(error.message).not.toContain('\n');
    for (const key of [keyOne, keyTwo]) {
      expect(error.message).not.toContain(key.slice(0, 8));
    }
  });
});

describe('loading the key ring from the environment', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'liya-key-ring-'));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads MASTER_KEY_FILE', () => {
    const path = join(directory, 'ring.json');

    writeFileSync(path, JSON.stringify({ active: '7', keys: { 7: keyOne } }));

    expect(loadKeyRing({ MASTER_KEY_FILE: path }).activeVersion).toBe('7');
  });

  it('takes MASTER_KEY as version 1 for development, with a trailing newline', () => {
    expect(loadKeyRing({ MASTER_KEY: `${keyOne}\n` }).versions).toEqual(['1']);
  });

  it('refuses a missing key, a short key, an unreadable file, and both at once', () => {
    const short = randomBytes(31).toString('base64');

    expect(refusal(() => loadKeyRing({})).message).toBe('MASTER_KEY_FILE or MASTER_KEY is missing');
    expect(refusal(() => loadKeyRing({ MASTER_KEY: short })).message).toMatch(/31 bytes/);
    expect(
      refusal(() => loadKeyRing({ MASTER_KEY_FILE: join(directory, 'absent') })).message,
    ).toMatch(/cannot be read \(ENOENT\)/);
    expect(
      refusal(() => loadKeyRing({ MASTER_KEY: keyOne, MASTER_KEY_FILE: join(directory, 'x') }))
        .message,
    ).toBe('set MASTER_KEY_FILE or MASTER_KEY, not both');
  });
});
