import { z } from 'zod';

import { secretVariables } from '@liya/environment';

import type { AppLogger } from '../logging/logger';
import { SCRUBBED } from '../logging/scrub-secrets';

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * Validates the process environment against a service's schema. The error names every variable
 * that is missing or malformed and never quotes a value, since several of them are secrets.
 */
export function parseEnvironment<TSchema extends z.ZodType>(
  schema: TSchema,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<TSchema> {
  // An empty variable counts as unset, as a template that leaves an optional value blank means.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join('.') || 'environment';
    const missing = env[variable] === undefined || env[variable] === '';

    return missing ? `${variable} is missing` : `${variable} is malformed`;
  });

  throw new ConfigurationError(`invalid configuration: ${[...new Set(problems)].join('; ')}`);
}

/** Shows a connection URL without its password, for messages that must name it. */
export function displayUrl(url: string): string {
  return url
    .split(',')
    .map((one) => one.trim().replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'))
    .join(',');
}

/**
 * The settings a service runs with, fit for its start-up log line: a secret marked in the schema
 * appears only as `[redacted]` (so it is known to be set), and URLs lose any password they carry.
 */
export function describeEnvironment(
  schema: z.ZodType,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
  const described: Record<string, unknown> = {};

  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;

    const variable = shape[name];
    if (variable && secretVariables.has(variable)) described[name] = SCRUBBED;
    else if (typeof value === 'string' && value.includes('://'))
      described[name] = displayUrl(value);
    else described[name] = value;
  }

  return described;
}

/** Validates the environment and logs what the service runs with, secrets left out. */
export function loadEnvironment<TSchema extends z.ZodType>(
  schema: TSchema,
  logger: AppLogger,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<TSchema> {
  const values = parseEnvironment(schema, env);

  logger.info(
    { configuration: describeEnvironment(schema, values as Record<string, unknown>) },
    'configuration loaded',
  );

  return values;
}
