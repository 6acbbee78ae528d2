import { randomBytes } from 'node:crypto';

import { gatewayEnvironmentSchema, routerEnvironmentSchema } from '@liya/environment';

import { createLogger } from '../logging/logger';
import { describeEnvironment, loadEnvironment, parseEnvironment } from './environment';

const jwtSecret = () => randomBytes(24).toString('hex');

describe('environment validation', () => {
  it('names a missing variable in one line', () => {
    expect(() => parseEnvironment(gatewayEnvironmentSchema, {})).toThrow(
      /^invalid configuration: DASHBOARD_JWT_SECRET is missing$/,
    );
  });

  it('names a malformed variable without quoting its value', () => {
    const secret = `short-${randomBytes(4).toString('hex')}`;
    const attempt = () =>
      parseEnvironment(gatewayEnvironmentSchema, { DASHBOARD_JWT_SECRET: secret, PORT: 'http' });

    expect(attempt).toThrow('PORT is malformed; DASHBOARD_JWT_SECRET is malformed');
    expect(attempt).not.toThrow(secret);
  });

  it('takes an empty variable as unset', () => {
    const values = parseEnvironment(routerEnvironmentSchema, { LIYA_OPENAI_API_KEY: '' });

    expect(values.LIYA_OPENAI_API_KEY).toBeUndefined();
    expect(() => parseEnvironment(gatewayEnvironmentSchema, { DASHBOARD_JWT_SECRET: '' })).toThrow(
      'DASHBOARD_JWT_SECRET is missing',
    );
  });

  it('names the missing half of a TLS pair', () => {
    const env = { DASHBOARD_JWT_SECRET: jwtSecret(), TLS_KEY_FILE: '/tls/tls.key' };

    expect(() => parseEnvironment(gatewayEnvironmentSchema, env)).toThrow(
      'TLS_CERT_FILE is missing',
    );
  });

  it('summarises the settings with every secret shown only as redacted', () => {
    const env = {
      DASHBOARD_JWT_SECRET: jwtSecret(),
      NATS_URL: 'nats://gateway:nats-pass-123@nats:4222',
      NATS_PASSWORD: 'nats-pass-123',
    };
    const values = parseEnvironment(gatewayEnvironmentSchema, env);
    const summary = JSON.stringify(describeEnvironment(gatewayEnvironmentSchema, values));

    expect(summary).toContain('"DASHBOARD_JWT_SECRET":"[redacted]"');
    expect(summary).toContain('"NATS_PASSWORD":"[redacted]"');
    expect(summary).toContain('nats://gateway:***@nats:4222');
    expect(summary).not.toContain(env.DASHBOARD_JWT_SECRET);
    expect(summary).not.toContain('nats-pass-123');
  });

  it('logs the configuration it loaded and never a secret value', () => {
    const lines: string[] = [];
    const logger = createLogger('inference-router', 'info', {
      write: (line: string) => {
        lines.push(line);
      },
    });
    const managedKey = `plain${randomBytes(6).toString('hex')}`;

    const values = loadEnvironment(routerEnvironmentSchema, logger, {
      LIYA_OPENAI_API_KEY: managedKey,
      OPENAI_BASE_URL: 'http://127.0.0.1:4010/v1',
    });

    expect(values.LIYA_OPENAI_API_KEY).toBe(managedKey);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}').configuration).toMatchObject({
      OPENAI_BASE_URL: 'http://127.0.0.1:4010/v1',
    });
    expect(lines[0]).not.toContain(managedKey);
  });
});
