import { z } from 'zod';

/** Variables several services share, with the defaults of a local development machine. */
export const natsUrlVariable = z.string().min(1).default('nats://127.0.0.1:4222');

export const databaseUrlVariable = z
  .string()
  .regex(/^postgres(ql)?:\/\//)
  .default('postgres://postgres@127.0.0.1:5432/liya_byok');

export const portVariable = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

export const natsCredentialVariables = {
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
};
