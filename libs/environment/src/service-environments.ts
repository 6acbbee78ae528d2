import { z } from 'zod';

import { auditEnvironmentSchema } from './audit-service.environment';
import { configEnvironmentSchema } from './config-service.environment';
import { cryptoEnvironmentSchema } from './crypto-service.environment';
import { gatewayEnvironmentSchema } from './gateway.environment';
import { routerEnvironmentSchema } from './inference-router.environment';
import { secretVariables } from './variables';

/** Every service's schema by the service's name, for deployment checks and summaries. */
export const serviceEnvironments = {
  gateway: gatewayEnvironmentSchema,
  'config-service': configEnvironmentSchema,
  'crypto-service': cryptoEnvironmentSchema,
  'inference-router': routerEnvironmentSchema,
  'audit-service': auditEnvironmentSchema,
} as const;

export type EnvironmentServiceName = keyof typeof serviceEnvironments;

type EnvironmentSchema = z.ZodObject<z.ZodRawShape>;

/** The variables a schema knows. */
export function variablesOf(schema: EnvironmentSchema): string[] {
  return Object.keys(schema.shape);
}

/** The variables a schema marks as secrets. */
export function secretVariablesOf(schema: EnvironmentSchema): string[] {
  return Object.entries(schema.shape)
    .filter(([, variable]) => secretVariables.has(variable))
    .map(([name]) => name);
}

/** The variables without a default that a service cannot start without. */
export function requiredVariablesOf(schema: EnvironmentSchema): string[] {
  return Object.entries(schema.shape)
    .filter(([, variable]) => !z.safeParse(variable, undefined).success)
    .map(([name]) => name);
}

/** Secret variable names per service. */
export const serviceSecretVariables = Object.fromEntries(
  Object.entries(serviceEnvironments).map(([service, schema]) => [
    service,
    secretVariablesOf(schema),
  ]),
) as Record<EnvironmentServiceName, string[]>;
