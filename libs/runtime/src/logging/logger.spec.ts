import { randomBytes } from 'node:crypto';

import { createLogger, NestLoggerAdapter } from './logger';
import { requestLogContextOf, runWithLogContext } from './log-context';

function captureLogger() {
  const lines: string[] = [];
  const logger = createLogger('test-service', 'trace', {
    write: (line: string) => {
      lines.push(line);
    },
  });

  return { logger, lines, records: () => lines.map((line) => JSON.parse(line)) };
}

// Random parts of planted keys: no 8-character run of any of them may reach the output.
const randomParts: string[] = [];

function random(bytes = 18): string {
  const part = randomBytes(bytes).toString('hex');

  randomParts.push(part);

  return part;
}

// Keys in the shapes providers issue them.
function plantedKeys() {
  return {
    openai: `sk-proj-${random()}`,
    anthropic: `sk-ant-api03-${random()}`,
    azure: random(16),
    jwt: `eyJhbGciOiJIUzI1NiJ9.${random()}.${random()}`,
    dbPassword: `pw${random(6)}`,
  };
}

function expectNoLeak(lines: string[]): void {
  const output = lines.join('\n');

  expect(lines.length).toBeGreaterThan(0);
  for (const part of randomParts) {
    for (let start = 0; start + 8 <= part.length; start += 1) {
      const fragment = part.slice(start, start + 8);

      expect({ fragment, found: output.includes(fragment) }).toEqual({ fragment, found: false });
    }
  }
}

describe('the service logger', () => {
  it('censors every key-bearing field and header, at any depth, whatever its spelling', () => {
    const { logger, lines, records } = captureLogger();
    const keys = plantedKeys();

    logger.info(
      {
        headers: {
          authorization: `Bearer ${keys.jwt}`,
          'x-api-key': keys.anthropic,
          'api-key': keys.azure,
          'Ocp-Apim-Subscription-Key': keys.azure,
          cookie: `session=${keys.jwt}`,
        },
        provider: { config: { settings: { deep: { openai_api_key: keys.openai } } } },
        patch: { providerConfig: { azure_openai_key: keys.azure } },
        list: [{ apiKey: keys.openai }, { AZURE_OPENAI_KEY: keys.azure }],
        DASHBOARD_JWT_SECRET: keys.jwt,
        natsPassword: keys.dbPassword,
        masterKey: keys.azure,
        model: 'gpt-4o-mini',
      },
      'calling the provider',
    );

    expectNoLeak(lines);
    const [record] = records();

    expect(record.model).toBe('gpt-4o-mini');
    expect(record.headers.authorization).toBe('[redacted]');
    expect(record.provider.config.settings.deep.openai_api_key).toBe('[redacted]');
    expect(record.service).toBe('test-service');
  });

  it('scrubs key-shaped text from messages, interpolations, child bindings and URLs', () => {
    const { logger, lines } = captureLogger();
    const keys = plantedKeys();

    logger.warn(`provider refused ${keys.openai}`);
    logger.info('retrying with %s and %o', keys.anthropic, { note: keys.azure });
    logger.child({ upstream: { 'x-api-key': keys.anthropic } }).info('child line');
    logger.info({ target: `postgres://app:${keys.dbPassword}@db:5432/byok` }, 'connecting');
    logger.info({ free: `the key is ${keys.azure} for now` }, 'free text');

    expect(lines).toHaveLength(5);
    expectNoLeak(lines);
    expect(lines.join('\n')).toContain('postgres://app:[redacted]@db:5432/byok');
  });

  it('writes errors by class and scrubbed message, never with their own properties', () => {
    const { logger, lines, records } = captureLogger();
    const keys = plantedKeys();
    const failure = Object.assign(new Error(`401 Incorrect API key provided: ${keys.openai}`), {
      code: 'invalid_api_key',
      headers: { authorization: `Bearer ${keys.openai}` },
      request: { body: JSON.stringify({ key: keys.azure }) },
      config: { apiKey: keys.anthropic },
    });

    logger.error(failure);
    logger.error({ err: failure, cause: new Error(`wrapped ${keys.anthropic}`) }, 'call failed');
    new NestLoggerAdapter(logger).error(`boom ${keys.openai}`, failure.stack, 'Provider');

    expectNoLeak(lines);
    const [first, second] = records();

    expect(first.err).toMatchObject({ type: 'Error', code: 'invalid_api_key' });
    expect(first.msg).toContain('Incorrect API key provided');
    expect(second.cause.message).toContain('wrapped');
  });

  it('puts the request and tenant ids on every line written while serving a request', async () => {
    const { logger, records } = captureLogger();
    const request: { tenantId?: string } = {};

    logger.info('before any request');
    await runWithLogContext(
      () => ({ requestId: 'req-1', tenantId: request.tenantId }),
      async () => {
        logger.info('received');
        request.tenantId = 'acme';
        await new Promise((resolve) => setTimeout(resolve, 1));
        logger.info({ requestId: 'caller-wins' }, 'after authentication');
      },
    );

    const [outside, received, authenticated] = records();

    expect(outside.requestId).toBeUndefined();
    expect(received).toMatchObject({ requestId: 'req-1' });
    expect(received.tenantId).toBeUndefined();
    expect(authenticated).toMatchObject({ requestId: 'caller-wins', tenantId: 'acme' });
  });

  it('reads the ids of a bus request, and only plain ones', () => {
    const chat = JSON.stringify({ tenantId: 'acme', requestId: 'req-9', body: {} });
    const update = JSON.stringify({ tenantId: 'acme', meta: { requestId: 'req-10' } });
    const hostile = JSON.stringify({ tenantId: 'acme\n{"level":"fatal"}', requestId: 42 });

    expect(requestLogContextOf(Buffer.from(chat))).toEqual({
      requestId: 'req-9',
      tenantId: 'acme',
    });
    expect(requestLogContextOf(update)).toEqual({ requestId: 'req-10', tenantId: 'acme' });
    expect(requestLogContextOf(hostile)).toEqual({ requestId: undefined, tenantId: undefined });
    expect(requestLogContextOf('not json')).toEqual({});
  });
});
