import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import type { ContainerEnvironment } from './environment-check';

export const DOCKER_DIRECTORY = join(__dirname, '..', '..', '..', '..', 'docker');

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  read_only?: boolean;
  user?: string;
  cap_drop?: string[];
  security_opt?: string[];
  ports?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** The compose file with its anchors and merge keys resolved, as docker compose reads it. */
export function readComposeFile(): ComposeFile {
  return parse(readFileSync(join(DOCKER_DIRECTORY, 'compose.yaml'), 'utf8'), {
    merge: true,
  }) as ComposeFile;
}

// `${NAME:?message}` must come from the operator's shell; `${NAME:-}` may be left empty.
const INTERPOLATION = /^\$\{([A-Z0-9_]+)(:[?-][^}]*)?\}$/;

/** A service's variables: values written in the file, and those taken from the shell. */
export function composeEnvironment(name: string, service: ComposeService): ContainerEnvironment {
  const literals: Record<string, string> = {};
  const injected: string[] = [];

  for (const [variable, value] of Object.entries(service.environment ?? {})) {
    const interpolated = INTERPOLATION.exec(String(value));
    if (!interpolated) literals[variable] = String(value);
    else if (interpolated[2]?.startsWith(':?')) injected.push(variable);
  }

  // The laptop setup's own PostgreSQL and NATS credentials are written in the file on purpose.
  return {
    where: `compose ${name}`,
    literals,
    injected,
    developmentLiterals: ['DATABASE_URL', 'NATS_PASSWORD'],
  };
}
