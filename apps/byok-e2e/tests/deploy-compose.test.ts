import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import {
  composeEnvironment,
  DOCKER_DIRECTORY,
  readComposeFile,
} from '../support/deploy/compose-file';
import {
  environmentProblems,
  NATS_CONFIG_FILE,
  natsUsers,
  schemaOf,
  SERVICES,
} from '../support/deploy/environment-check';

const ROOT = join(__dirname, '..', '..', '..');
const compose = readComposeFile();
const dockerfile = readFileSync(join(DOCKER_DIRECTORY, 'Dockerfile'), 'utf8');

// Libraries that go into the images: everything an app imports at run time but the dev kit.
const IMAGE_LIBS = [
  'contracts',
  'environment',
  'runtime',
  'messaging',
  'persistence',
  'crypto-core',
];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);

    if (statSync(path).isDirectory()) return sourceFiles(path);

    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

// Imports, dynamic imports and requires of a TypeScript file by package name; type-only imports
// leave nothing in the compiled code.
const IMPORT_PATTERNS = [
  /^\s*(?:import|export)\s(?!type\s)[^;]*?\sfrom\s+'([^']+)'/gms,
  /^\s*import\s+'([^']+)'/gm,
  /\b(?:require|import)\('([^']+)'\)/g,
];

function importedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = IMPORT_PATTERNS.flatMap((pattern) =>
    [...text.matchAll(pattern)].map((match) => match[1]!),
  );

  return specifiers
    .filter((specifier) => !/^(node:|@liya\/|\.)/.test(specifier))
    .map((specifier) =>
      specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : specifier.split('/')[0]!,
    );
}

describe('docker/compose.yaml', () => {
  it('starts PostgreSQL, NATS, both migrations and the five services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['postgres', 'nats', 'config-migrations', 'audit-migrations', ...SERVICES].sort(),
    );
    for (const service of SERVICES) {
      expect(compose.services[service]?.build).toMatchObject({
        context: '..',
        dockerfile: 'docker/Dockerfile',
        args: { APP: service },
      });
    }
  });

  it('runs NATS with JetStream and the per-service users of k8s/base/nats/nats.conf', () => {
    const nats = compose.services.nats!;
    const mount = nats.volumes?.find((volume) => volume.endsWith(':/etc/nats/nats.conf:ro'));

    expect(nats.command).toEqual(['-c', '/etc/nats/nats.conf']);
    expect(mount?.split(':')[0]).toBe('../k8s/base/nats/nats.conf');
    expect(join(DOCKER_DIRECTORY, '../k8s/base/nats/nats.conf')).toBe(NATS_CONFIG_FILE);
    expect(readFileSync(NATS_CONFIG_FILE, 'utf8')).toMatch(/^jetstream\s*\{/m);

    const users = natsUsers();
    for (const service of SERVICES) {
      const env = compose.services[service]?.environment ?? {};

      expect([env.NATS_USER, env.NATS_PASSWORD]).toEqual([service, users.get(service)]);
    }
  });

  it('gives each service only variables its schema knows, and every required one', () => {
    for (const service of SERVICES) {
      const env = composeEnvironment(service, compose.services[service]!);

      expect(environmentProblems(schemaOf(service), env)).toEqual([]);
    }
    for (const migration of ['config-migrations', 'audit-migrations']) {
      const env = composeEnvironment(migration, compose.services[migration]!);
      const service = migration.replace('-migrations', '-service');

      expect(environmentProblems(schemaOf(service), env)).toEqual([]);
    }
  });

  it('writes in clear only the development credentials of its own PostgreSQL and NATS', () => {
    const postgres = compose.services.postgres?.environment ?? {};
    const databaseUrl = `postgres://${postgres.POSTGRES_USER}:${postgres.POSTGRES_PASSWORD}@postgres:5432/${postgres.POSTGRES_DB}`;

    expect(postgres.POSTGRES_PASSWORD).toMatch(/dev-only$/);
    for (const [name, service] of Object.entries(compose.services)) {
      const { literals } = composeEnvironment(name, service);

      if ('DATABASE_URL' in literals) expect(literals.DATABASE_URL).toBe(databaseUrl);
      if ('NATS_PASSWORD' in literals) {
        expect(literals.NATS_PASSWORD).toBe(natsUsers().get(String(literals.NATS_USER)));
      }
    }
  });

  it('gives the master key to crypto-service alone, from the operator’s shell', () => {
    const holders = Object.entries(compose.services).filter(([, service]) =>
      Object.keys(service.environment ?? {}).some((name) => name.startsWith('MASTER_KEY')),
    );

    expect(holders.map(([name]) => name)).toEqual(['crypto-service']);
    expect(compose.services['crypto-service']?.environment?.MASTER_KEY).toMatch(
      /^\$\{LIYA_MASTER_KEY:\?/,
    );
  });

  it('migrates before the database services start, and starts the gateway last', () => {
    const dependsOn = (name: string) => compose.services[name]?.depends_on ?? {};

    expect(dependsOn('config-service')['config-migrations']?.condition).toBe(
      'service_completed_successfully',
    );
    expect(dependsOn('audit-service')['audit-migrations']?.condition).toBe(
      'service_completed_successfully',
    );
    expect(compose.services['config-migrations']?.command).toEqual([
      'apps/config-service/dist/migrate.js',
    ]);
    expect(Object.keys(dependsOn('gateway')).sort()).toEqual(
      ['nats', ...SERVICES.filter((service) => service !== 'gateway')].sort(),
    );
  });

  it('runs every service container hardened and health-checked on its readiness endpoint', () => {
    for (const service of SERVICES) {
      const definition = compose.services[service]!;

      expect({ service, ...definition }).toMatchObject({
        service,
        read_only: true,
        user: '1000:1000',
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
      });
      expect(definition.healthcheck?.test.join(' ')).toContain('/readyz');
    }
  });
});

describe('docker/Dockerfile', () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gm)];
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('builds in stages and runs the last one as an unprivileged user', () => {
    expect(stages.map((stage) => stage[2])).toEqual(['build', 'prune', 'runtime']);
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).not.toMatch(/^USER (root|0)\b/m);
    expect(runtime).toMatch(/COPY --from=prune --chown=root:root \/out \.\//);
  });

  it('ships production dependencies only and no development kit', () => {
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/npm ci --ignore-scripts/);

    const copied = /for lib in ([a-z -]+); do/.exec(dockerfile)?.[1]?.trim().split(/\s+/);

    expect(copied).toEqual(IMAGE_LIBS);
    expect(existsSync(join(DOCKER_DIRECTORY, 'Dockerfile.dockerignore'))).toBe(true);
  });

  it('needs at run time no package outside the production dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const production = new Set(Object.keys(manifest.dependencies));
    const directories = [
      ...SERVICES.map((service) => join(ROOT, 'apps', service, 'src')),
      ...IMAGE_LIBS.map((lib) => join(ROOT, 'libs', lib, 'src')),
    ];
    const missing = directories
      .flatMap(sourceFiles)
      .flatMap((file) => importedPackages(file).map((name) => ({ file, name })))
      .filter(({ name }) => !production.has(name))
      .map(({ file, name }) => `${file.slice(ROOT.length + 1)} imports ${name}`);

    expect(missing).toEqual([]);
  });

  it('installs from every workspace package and ships every library the services import', () => {
    const workspaces = ['apps', 'libs'].flatMap((parent) =>
      readdirSync(join(ROOT, parent))
        .filter((name) => existsSync(join(ROOT, parent, name, 'package.json')))
        .map((name) => `${parent}/${name}`),
    );
    for (const workspace of workspaces) {
      expect(dockerfile).toContain(`COPY ${workspace}/package.json ${workspace}/`);
    }

    const directories = [
      ...SERVICES.map((service) => join(ROOT, 'apps', service, 'src')),
      ...IMAGE_LIBS.map((lib) => join(ROOT, 'libs', lib, 'src')),
    ];
    const libraries = new Set(
      directories
        .flatMap(sourceFiles)
        .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/'@liya\/([a-z-]+)'/g)])
        .map((match) => match[1]!),
    );

    expect([...libraries].filter((lib) => !IMAGE_LIBS.includes(lib))).toEqual([]);
  });

  it('builds an image for every service the manifests name', () => {
    for (const service of SERVICES) {
      expect(existsSync(join(ROOT, 'apps', service, 'src', 'main.ts'))).toBe(true);
    }
    expect(dockerfile).toMatch(
      /printf "require\('\.\/apps\/%s\/dist\/main\.js'\);\\n" "\$\{APP\}"/,
    );
  });
});
