import { z } from 'zod';

import { natsUrlVariable, portVariable } from '@liya/runtime';

/** crypto-service's settings. The key ring itself is read by the key-ring loader, not here. */
export const cryptoEnvironmentSchema = z.object({
  NATS_URL: natsUrlVariable,
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  OPS_PORT: portVariable(9102),
});

export type CryptoEnvironment = z.infer<typeof cryptoEnvironmentSchema>;
