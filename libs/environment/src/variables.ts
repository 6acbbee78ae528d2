import { z } from 'zod';

/**
 * Variables whose values are secrets. A schema marks them with `secret(...)`; deployment checks
 * read the marks to demand that manifests take them from Secrets, and configuration summaries
 * print them only as set or unset.
 */
export const secretVariables = z.registry<{ secret: true }>();

export function secret<TSchema extends z.ZodType>(schema: TSchema): TSchema {
  secretVariables.add(schema, { secret: true });

  return schema;
}

/** Variables several services share, with the defaults of a local development machine. */
export const natsUrlVariable = z.string().min(1).default('nats://127.0.0.1:4222');

// A connection string can carry a password, so the whole value is treated as a secret.
export const databaseUrlVariable = secret(
  z
    .string()
    .regex(/^postgres(ql)?:\/\//)
    .default('postgres://postgres@127.0.0.1:5432/liya_byok'),
);

export const logLevelVariable = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

export const portVariable = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

const filePath = z.string().min(1).optional();

/** How a service reaches NATS: servers, its own user, and TLS files when the cluster uses TLS. */
export const natsConnectionVariables = {
  NATS_URL: natsUrlVariable,
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: secret(z.string().min(1).optional()),
  NATS_TLS_CA_FILE: filePath,
  NATS_TLS_CERT_FILE: filePath,
  NATS_TLS_KEY_FILE: filePath,
};

/** Kept for schemas that list the credentials on their own. */
export const natsCredentialVariables = {
  NATS_USER: natsConnectionVariables.NATS_USER,
  NATS_PASSWORD: natsConnectionVariables.NATS_PASSWORD,
};

/** A client certificate needs its key and the other way round. */
export function checkNatsTls(
  env: { NATS_TLS_CERT_FILE?: string; NATS_TLS_KEY_FILE?: string },
  context: z.core.$RefinementCtx,
): void {
  if (Boolean(env.NATS_TLS_CERT_FILE) !== Boolean(env.NATS_TLS_KEY_FILE)) {
    const missing = env.NATS_TLS_CERT_FILE ? 'NATS_TLS_KEY_FILE' : 'NATS_TLS_CERT_FILE';

    context.addIssue({ code: 'custom', path: [missing], message: 'missing' });
  }
}
