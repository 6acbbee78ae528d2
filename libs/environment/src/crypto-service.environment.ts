import { z } from 'zod';

import { natsUrlVariable, portVariable } from './variables';

/**
 * crypto-service's settings. The key ring is parsed by the key-ring loader; the two variables are
 * listed here so deployment checks know crypto-service is the only service that takes them.
 */
export const cryptoEnvironmentSchema = z.object({
  MASTER_KEY: z.string().optional(),
  MASTER_KEY_FILE: z.string().optional(),
  NATS_URL: natsUrlVariable,
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  OPS_PORT: portVariable(9102),
});

export type CryptoEnvironment = z.infer<typeof cryptoEnvironmentSchema>;
