import { z } from 'zod';

import {
  checkNatsTls,
  logLevelVariable,
  natsConnectionVariables,
  portVariable,
  secret,
} from './variables';

const algorithm = z.enum(['HS256', 'RS256', 'ES256']);

/**
 * The gateway's settings. HS256 with DASHBOARD_JWT_SECRET is for development; production sets
 * DASHBOARD_JWT_ALGORITHM to RS256 or ES256 with a public key (inline or as a mounted file).
 */
export const gatewayEnvironmentSchema = z
  .object({
    PORT: portVariable(3000),
    HOST: z.string().default('0.0.0.0'),
    ...natsConnectionVariables,
    LOG_LEVEL: logLevelVariable,
    DASHBOARD_JWT_ALGORITHM: algorithm.default('HS256'),
    DASHBOARD_JWT_SECRET: secret(z.string().min(32).optional()),
    DASHBOARD_JWT_PUBLIC_KEY: z.string().min(1).optional(),
    DASHBOARD_JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
    DASHBOARD_JWT_ISSUER: z.string().min(1).default('liya-dashboard'),
    DASHBOARD_JWT_AUDIENCE: z.string().min(1).default('liya-engine'),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    INFERENCE_TIMEOUT_MS: z.coerce.number().int().positive().default(65_000),
    /**
     * How many proxies in front of the gateway append to X-Forwarded-For; 0 (the default) trusts
     * none, so the audit log's source_ip is the peer address and a client cannot forge it.
     */
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    CONFIG_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  })
  .superRefine((env, context) => {
    if (env.DASHBOARD_JWT_ALGORITHM === 'HS256' && !env.DASHBOARD_JWT_SECRET) {
      context.addIssue({ code: 'custom', path: ['DASHBOARD_JWT_SECRET'], message: 'missing' });
    }
    if (
      env.DASHBOARD_JWT_ALGORITHM !== 'HS256' &&
      !env.DASHBOARD_JWT_PUBLIC_KEY &&
      !env.DASHBOARD_JWT_PUBLIC_KEY_FILE
    ) {
      context.addIssue({ code: 'custom', path: ['DASHBOARD_JWT_PUBLIC_KEY'], message: 'missing' });
    }
    if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) {
      const missing = env.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE';

      context.addIssue({ code: 'custom', path: [missing], message: 'missing' });
    }

    checkNatsTls(env, context);
  });

export type GatewayEnvironment = z.infer<typeof gatewayEnvironmentSchema>;
