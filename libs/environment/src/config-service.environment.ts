import { z } from 'zod';

import {
  checkNatsTls,
  databaseUrlVariable,
  logLevelVariable,
  natsConnectionVariables,
  portVariable,
} from './variables';

export const configEnvironmentSchema = z
  .object({
    DATABASE_URL: databaseUrlVariable,
    ...natsConnectionVariables,
    LOG_LEVEL: logLevelVariable,
    OPS_PORT: portVariable(9101),
    PROVIDER_HOST_ALLOWLIST: z.string().optional(),
    OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(500),
    OUTBOX_REPUBLISH_AFTER_MS: z.coerce.number().int().min(100).default(60_000),
    OUTBOX_REPUBLISH_MAX_MS: z.coerce
      .number()
      .int()
      .min(100)
      .default(60 * 60_000),
    OUTBOX_RETENTION_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .default(7 * 24 * 60 * 60_000),
    NODE_ENV: z.string().optional(),
    // Arms a crash fault point for the end-to-end fault tests; honoured only with NODE_ENV=test.
    LIYA_TEST_FAULT_OUTBOX_CRASH_BEFORE_PUBLISH_FILE: z.string().min(1).optional(),
  })
  .superRefine(checkNatsTls);

export type ConfigEnvironment = z.infer<typeof configEnvironmentSchema>;
