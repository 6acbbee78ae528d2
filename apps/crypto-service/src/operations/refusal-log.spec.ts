import { Writable } from 'node:stream';

import pino from 'pino';

import { RefusalLog } from './refusal-log';

describe('the refusal log', () => {
  const refusal = {
    operation: 'decrypt',
    code: 'crypto_integrity_failure',
    tenantId: 'acme',
    field: 'openai_api_key',
  };

  function logWith(clock: { now: number }) {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });

    return { lines, log: new RefusalLog(pino({}, sink), () => clock.now) };
  }

  it('writes at most 20 lines per 10 seconds, then says how many it left out', async () => {
    const clock = { now: 1_000 };
    const { lines, log } = logWith(clock);

    for (let i = 0; i < 500; i += 1) log.warn(refusal);
    clock.now += 10_000;
    log.warn(refusal);
    await new Promise((resolve) => setImmediate(resolve));

    expect(lines).toHaveLength(21);
    expect(lines[0]).toMatchObject({ ...refusal, msg: 'crypto operation refused' });
    expect(lines[19]).not.toHaveProperty('refusalsNotLogged');
    expect(lines[20]).toMatchObject({ refusalsNotLogged: 480 });
  });
});
