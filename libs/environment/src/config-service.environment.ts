import { z } from 'zod';

import { databaseUrlVariable, natsUrlVariable, portVariable } from './variables';

export const configEnvironmentSchema = z.object({
  DATABASE_URL: databaseUrlVariable,
  NATS_URL: natsUrlVariable,
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  OPS_PORT: portVariable(9101),
  PROVIDER_HOST_ALLOWLIST: z.string().optional(),
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(500),
});

export type ConfigEnvironment = z.infer<typeof configEnvironmentSchema>;
