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
    AZURE_OPENAI_API_VERSION: z.string().min(1).default('2024-10-21'),
    ANTHROPIC_DEFAULT_MODEL: z.string().min(1).default('claude-sonnet-4-5'),
    CONFIG_CACHE_TTL_MS: z.coerce.number().int().nonnegative().default(30_000),
  })
  .superRefine(checkNatsTls);

export type RouterEnvironment = z.infer<typeof routerEnvironmentSchema>;
