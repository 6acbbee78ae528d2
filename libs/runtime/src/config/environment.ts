import type { z } from 'zod';

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
  const result = schema.safeParse(env);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join('.') || 'environment';
    const missing = issue.code === 'invalid_type' && env[variable] === undefined;

    return missing ? `${variable} is missing` : `${variable} is malformed`;
  });

  throw new ConfigurationError(`invalid configuration: ${problems.join('; ')}`);
}

/** Shows a connection URL without its password, for messages that must name it. */
export function displayUrl(url: string): string {
  return url
    .split(',')
    .map((one) => one.trim().replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'))
    .join(',');
}
