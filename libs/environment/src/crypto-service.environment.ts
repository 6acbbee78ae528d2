import { z } from 'zod';

import {
  checkNatsTls,
  logLevelVariable,
  natsConnectionVariables,
  portVariable,
  secret,
} from './variables';

/**
 * crypto-service's settings. The key ring is parsed by the key-ring loader; the two variables are
 * listed here so deployment checks know crypto-service is the only service that takes them.
 */
export const cryptoEnvironmentSchema = z
  .object({
    MASTER_KEY: secret(z.string().optional()),
    MASTER_KEY_FILE: z.string().min(1).optional(),
    ...natsConnectionVariables,
    LOG_LEVEL: logLevelVariable,
    OPS_PORT: portVariable(9102),
  })
  .superRefine(checkNatsTls);

export type CryptoEnvironment = z.infer<typeof cryptoEnvironmentSchema>;
