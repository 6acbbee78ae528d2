import { randomBytes } from 'node:crypto';

import type { ServiceName } from '@liya/dev-kit';

import { spawnService } from '../support/ops/service-process';

// Nothing listens on these: a service must refuse its configuration before reaching out.
const UNREACHABLE = { NATS_URL: 'nats://127.0.0.1:9', DATABASE_URL: 'postgres://127.0.0.1:9/x' };

const planted = () => `planted${randomBytes(12).toString('hex')}`;

interface BadStart {
  service: ServiceName;
  env: Record<string, string>;
  line: RegExp;
  secrets: string[];
}

function badStarts(): Array<[string, BadStart]> {
  const jwtSecret = planted();
  const natsPassword = planted();
  const managedKey = `sk-${planted()}`;
  const dbPassword = planted();

  return [
    [
      'a missing dashboard secret stops the gateway',
      {
        service: 'gateway',
        env: { ...UNREACHABLE, NATS_PASSWORD: natsPassword },
        line: /^gateway: cannot start: invalid configuration: DASHBOARD_JWT_SECRET is missing$/,
        secrets: [natsPassword],
      },
    ],
    [
      'a malformed port stops the gateway without echoing its secrets',
      {
        service: 'gateway',
        env: { ...UNREACHABLE, PORT: 'eighty', DASHBOARD_JWT_SECRET: jwtSecret.slice(0, 12) },
        line: /^gateway: cannot start: invalid configuration: PORT is malformed; DASHBOARD_JWT_SECRET is malformed$/,
        secrets: [jwtSecret.slice(0, 12)],
      },
    ],
    [
      'a malformed provider URL stops the router',
      {
        service: 'inference-router',
        env: { ...UNREACHABLE, OPENAI_BASE_URL: 'not a url', LIYA_OPENAI_API_KEY: managedKey },
        line: /^inference-router: cannot start: invalid configuration: OPENAI_BASE_URL is malformed$/,
        secrets: [managedKey],
      },
    ],
    [
      'a database URL of another kind stops config-service without its password',
      {
        service: 'config-service',
        env: { ...UNREACHABLE, DATABASE_URL: `mysql://app:${dbPassword}@db/byok` },
        line: /^config-service: cannot start: invalid configuration: DATABASE_URL is malformed$/,
        secrets: [dbPassword],
      },
    ],
    [
      'an unknown log level stops audit-service',
      {
        service: 'audit-service',
        env: { ...UNREACHABLE, LOG_LEVEL: 'loud' },
        line: /^audit-service: cannot start: invalid configuration: LOG_LEVEL is malformed$/,
        secrets: [],
      },
    ],
    [
      'a NATS client certificate without its key stops crypto-service',
      {
        service: 'crypto-service',
        env: { ...UNREACHABLE, NATS_TLS_CERT_FILE: '/etc/nats/tls.crt' },
        line: /^crypto-service: cannot start: invalid configuration: NATS_TLS_KEY_FILE is missing$/,
        secrets: [],
      },
    ],
  ];
}

describe('a service started with a bad environment', () => {
  it.each(badStarts())('%s, in one line naming the variable', async (_name, start) => {
    const service = spawnService(start.service, start.env);

    const { code } = await service.exited;
    const output = [...service.stdout, ...service.stderr].join('\n');

    expect(code).toBe(1);
    expect(service.stderr).toHaveLength(1);
    expect(service.stderr[0]).toMatch(start.line);
    for (const secret of start.secrets) expect(output).not.toContain(secret);
  });
});
