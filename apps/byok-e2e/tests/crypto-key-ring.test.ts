import { randomBytes } from 'node:crypto';

import {
  privateNats,
  type PrivateNats,
  randomKey,
  runCryptoUntilExit,
  ScratchDirectory,
} from './crypto-support';

/**
 * A key ring crypto-service cannot use stops it at start with exactly one line on stderr, naming
 * the problem, a non-zero exit code, and no key material in anything it printed.
 */
describe('crypto-service refuses to start on a bad key ring', () => {
  const scratch = new ScratchDirectory();
  const keyOne = randomKey();
  const keyTwo = randomKey();
  let nats: PrivateNats;

  beforeAll(async () => {
    nats = await privateNats();
  });

  afterAll(async () => {
    await nats?.stop();
    scratch.remove();
  });

  const ring = (content: string) => ({
    MASTER_KEY_FILE: scratch.file(`${randomBytes(4).toString('hex')}.json`, content),
  });
  const cases: Array<[string, () => Record<string, string>, RegExp]> = [
    ['no key at all', () => ({}), /MASTER_KEY_FILE or MASTER_KEY is missing$/],
    [
      'a short development key',
      () => ({ MASTER_KEY: randomBytes(16).toString('base64') }),
      /version "1" is 16 bytes; 32 are needed$/,
    ],
    [
      'a key file that is not JSON',
      () => ring(`active=1\n1=${keyOne}\n`),
      /the master key file is not valid JSON$/,
    ],
    [
      'a version named twice',
      () => ring(`{"active":"1","keys":{"1":"${keyOne}","1":"${keyTwo}"}}`),
      /names "1" twice$/,
    ],
    [
      'one key under two versions',
      () => ring(JSON.stringify({ active: '2', keys: { 1: keyOne, 2: keyOne } })),
      /version "2" repeats the key of another version$/,
    ],
    [
      'a short key in the file',
      () => ring(JSON.stringify({ active: '1', keys: { 1: keyOne.slice(0, 20) } })),
      /version "1" is 15 bytes; 32 are needed$/,
    ],
    [
      'an active version without its key',
      () => ring(JSON.stringify({ active: '2', keys: { 1: keyOne } })),
      /active master key version "2" has no key$/,
    ],
    [
      'a missing key file',
      () => ({ MASTER_KEY_FILE: `${scratch.path}/absent.json` }),
      /cannot be read \(ENOENT\)$/,
    ],
    [
      'both a key file and a key',
      () => ({ ...ring(JSON.stringify({ active: '1', keys: { 1: keyOne } })), MASTER_KEY: keyTwo }),
      /set MASTER_KEY_FILE or MASTER_KEY, not both$/,
    ],
  ];

  it.each(cases)('%s', async (_, env, reason) => {
    const { code, lines, errorLines } = await runCryptoUntilExit({
      natsUrl: nats.url,
      env: env(),
    });

    expect(code).toBe(1);
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/^crypto-service: cannot start: /);
    expect(errorLines[0]).toMatch(reason);

    const everything = lines.join('\n');
    for (const key of [keyOne, keyTwo]) {
      expect(everything).not.toContain(key.slice(0, 8));
      expect(everything).not.toContain(Buffer.from(key, 'base64').toString('hex').slice(0, 8));
    }
  });
});
