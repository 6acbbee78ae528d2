import { z } from 'zod';

import {
  requiredVariablesOf,
  secretVariablesOf,
  serviceEnvironments,
  serviceSecretVariables,
  variablesOf,
} from './index';

// Names that hold credentials by convention; a file path to one is not itself a secret.
const SECRET_SHAPED = /(SECRET|PASSWORD|_API_KEY|MASTER_KEY|DATABASE_URL)$/;

describe('service environments', () => {
  it.each(Object.entries(serviceEnvironments))(
    'marks every credential-shaped variable of %s as a secret',
    (_service, schema) => {
      const shaped = variablesOf(schema).filter((name) => SECRET_SHAPED.test(name));

      expect(shaped.length).toBeGreaterThan(0);
      expect(secretVariablesOf(schema).sort()).toEqual(shaped.sort());
    },
  );

  it('lists the secrets of each service by name', () => {
    expect(serviceSecretVariables.gateway).toEqual(['NATS_PASSWORD', 'DASHBOARD_JWT_SECRET']);
    expect(serviceSecretVariables['crypto-service']).toContain('MASTER_KEY');
    expect(serviceSecretVariables['inference-router']).toEqual(
      expect.arrayContaining(['LIYA_OPENAI_API_KEY', 'LIYA_ANTHROPIC_API_KEY']),
    );
    expect(serviceSecretVariables['config-service']).toContain('DATABASE_URL');
  });

  it('names as required exactly the variables with neither a default nor optional', () => {
    const schema = z.object({
      REQUIRED: z.string(),
      DEFAULTED: z.string().default('x'),
      OPTIONAL: z.string().optional(),
    });

    expect(requiredVariablesOf(schema)).toEqual(['REQUIRED']);
  });

  it('accepts the NATS TLS files and refuses a client certificate without its key', () => {
    const schema = serviceEnvironments['audit-service'];
    const withBoth = schema.safeParse({
      NATS_TLS_CA_FILE: '/etc/nats/ca.pem',
      NATS_TLS_CERT_FILE: '/etc/nats/tls.crt',
      NATS_TLS_KEY_FILE: '/etc/nats/tls.key',
    });
    const certOnly = schema.safeParse({ NATS_TLS_CERT_FILE: '/etc/nats/tls.crt' });

    expect(withBoth.success).toBe(true);
    expect(certOnly.success).toBe(false);
    expect(certOnly.error?.issues[0]?.path).toEqual(['NATS_TLS_KEY_FILE']);
  });
});
