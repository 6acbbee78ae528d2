import { z } from 'zod';

import { databaseUrlVariable, natsUrlVariable, portVariable } from './variables';

export const auditEnvironmentSchema = z.object({
  DATABASE_URL: databaseUrlVariable,
  NATS_URL: natsUrlVariable,
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  OPS_PORT: portVariable(9104),
});

export type AuditEnvironment = z.infer<typeof auditEnvironmentSchema>;
