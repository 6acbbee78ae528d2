import { z } from 'zod';

import {
  checkNatsTls,
  logLevelVariable,
  natsConnectionVariables,
  portVariable,
  secret,
} from './variables';

export const routerEnvironmentSchema = z
  .object({
    ...natsConnectionVariables,
    LOG_LEVEL: logLevelVariable,
    OPS_PORT: portVariable(9103),
    LIYA_OPENAI_API_KEY: secret(z.string().min(1).optional()),
    LIYA_ANTHROPIC_API_KEY: secret(z.string().min(1).optional()),
    OPENAI_BASE_URL: z.url().default('https://api.openai.com/v1'),
    ANTHROPIC_BASE_URL: z.url().default('https://api.anthropic.com'),
    PROVIDER_HOST_ALLOWLIST: z.string().optional(),
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
    /** A key check is one small authenticated GET; it should never take long. */
    VERIFY_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    /** Upper bound a stream caller may ask for; it keeps abandoned streams from living forever. */
    STREAM_MAX_DURATION_MS: z.coerce.number().int().positive().default(300_000),
    /** Idle keep-alive connections per provider origin, reused across calls and tenants. */
    PROVIDER_MAX_CONNECTIONS: z.coerce.number().int().positive().default(128),
    AZURE_OPENAI_API_VERSION: z.string().min(1).default('2024-10-21'),
    ANTHROPIC_DEFAULT_MODEL: z.string().min(1).default('claude-sonnet-4-5'),
    CONFIG_CACHE_TTL_MS: z.coerce.number().int().nonnegative().default(30_000),
    /** The gRPC interface; off unless a port is given (deployments set 50051). */
    GRPC_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    GRPC_HOST: z.string().min(1).default('0.0.0.0'),
    /** Bound on waiting for JetStream to acknowledge a usage event. */
    USAGE_PUBLISH_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    NODE_ENV: z.string().optional(),
    /**
     * Arms a crash right after a key is decrypted, for the leak tests' crash-output check: the
     * named file must exist, and it is honoured only with NODE_ENV=test.
     */
    LIYA_TEST_FAULT_ROUTER_CRASH_AFTER_DECRYPT_FILE: z.string().min(1).optional(),
  })
  .superRefine(checkNatsTls);

export type RouterEnvironment = z.infer<typeof routerEnvironmentSchema>;
