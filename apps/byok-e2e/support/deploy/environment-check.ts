import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  type EnvironmentServiceName,
  requiredVariablesOf,
  secretVariablesOf,
  serviceEnvironments,
  variablesOf,
} from '@liya/environment';
import type { z } from 'zod';

/** How a deployment gives one container its variables. */
export interface ContainerEnvironment {
  where: string;
  /** Variables with a value written in the manifest. */
  literals: Record<string, string>;
  /** Variables taken from a Secret (Kubernetes) or from the operator's shell (compose). */
  injected: string[];
  /** Secrets allowed in clear: the development credentials of a laptop setup, checked apart. */
  developmentLiterals?: string[];
}

type Schema = z.ZodObject<z.ZodRawShape>;

// A stand-in for a value the manifest does not show, shaped so the schema can accept it.
function sampleFor(variable: string): string {
  if (variable === 'DATABASE_URL') return 'postgres://app@database:5432/liya_byok';
  if (variable.endsWith('_URL')) return 'https://provider.example/v1';

  return 's'.repeat(48);
}

/**
 * What is wrong with the variables a manifest gives a service: names the schema does not know,
 * required names it lacks, secrets written in clear, and values the schema refuses.
 */
export function environmentProblems(schema: Schema, env: ContainerEnvironment): string[] {
  const known = new Set(variablesOf(schema));
  const given = [...Object.keys(env.literals), ...env.injected];
  const problems: string[] = [];

  for (const name of given) {
    if (!known.has(name)) problems.push(`${env.where}: ${name} is not a variable of the service`);
  }
  for (const name of requiredVariablesOf(schema)) {
    if (!given.includes(name)) problems.push(`${env.where}: ${name} is required but not set`);
  }
  for (const name of secretVariablesOf(schema)) {
    if (name in env.literals && !env.developmentLiterals?.includes(name)) {
      problems.push(`${env.where}: secret ${name} is written in the manifest`);
    }
  }

  const values = {
    ...Object.fromEntries(env.injected.map((name) => [name, sampleFor(name)])),
    ...env.literals,
  };
  const parsed = schema.safeParse(values);
  for (const issue of parsed.error?.issues ?? []) {
    problems.push(`${env.where}: the schema refuses ${issue.path.join('.') || 'the settings'}`);
  }

  return problems;
}

export function schemaOf(service: string): Schema {
  const schema = serviceEnvironments[service as EnvironmentServiceName];
  if (!schema) throw new Error(`${service} is not a service with an environment schema`);

  return schema as unknown as Schema;
}

export const SERVICES = Object.keys(serviceEnvironments) as EnvironmentServiceName[];

export const NATS_CONFIG_FILE = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'k8s',
  'base',
  'nats',
  'nats.conf',
);

/** The users of nats.conf and their (development) passwords. */
export function natsUsers(file = NATS_CONFIG_FILE): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  const users = new Map<string, string>();
  const entry = /user:\s*"([^"]+)"\s*,?\s*password:\s*"([^"]+)"/g;

  for (const match of text.matchAll(entry)) users.set(match[1]!, match[2]!);

  return users;
}
