import { z } from 'zod';

import {
  checkNatsTls,
  databaseUrlVariable,
  logLevelVariable,
  natsConnectionVariables,
  portVariable,
} from './variables';

export const auditEnvironmentSchema = z
  .object({
    DATABASE_URL: databaseUrlVariable,
    ...natsConnectionVariables,
    LOG_LEVEL: logLevelVariable,
    OPS_PORT: portVariable(9104),
  })
  .superRefine(checkNatsTls);

export type AuditEnvironment = z.infer<typeof auditEnvironmentSchema>;
