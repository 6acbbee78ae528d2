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
  })
  .superRefine(checkNatsTls);

export type ConfigEnvironment = z.infer<typeof configEnvironmentSchema>;
