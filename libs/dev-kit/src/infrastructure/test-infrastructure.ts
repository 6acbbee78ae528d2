import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { freePort } from '../system/free-port';

export interface TestInfrastructure {
  databaseUrl: string;
  natsUrl: string;
  /** Where each came from, for the test's own messages. */
  sources: { postgres: string; nats: string };
  /**
   * Stops the private nats-server and starts it again on the same port and store directory, as
   * an operator's restart would; present only when the tests run their own nats-server.
   */
  restartNats?: () => Promise<void>;
  release(): Promise<void>;
}

const NATS_SERVER_CANDIDATES = [
  'nats-server',
  '/usr/sbin/nats-server',
  '/usr/local/bin/nats-server',
];

export function findNatsServer(): string | undefined {
  return NATS_SERVER_CANDIDATES.find(
    (candidate) => spawnSync(candidate, ['--version'], { encoding: 'utf8' }).status === 0,
  );
}

async function waitForPort(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + timeoutMs;

  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);

    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.end();
        resolve(true);
      });

      socket.once('error', () => resolve(false));
    });
    if (open) return;

    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  throw new Error('nats-server did not open its port in time');
}

export interface PrivateNatsOptions {
  /**
   * A nats-server configuration file to run with (users, permissions, limits). Its JetStream
   * store_dir is pointed at the private store directory; address and port stay the test's own,
   * and the monitoring port is turned off.
   */
  configFile?: string;
}

/** A private nats-server with JetStream on a free loopback port and its own store directory. */
export async function startPrivateNats(
  binary: string,
  extraArgs: string[] = [],
  options: PrivateNatsOptions = {},
): Promise<{
  url: string;
  process: ChildProcess;
  storeDir: string;
  /** Stops the server and starts it again on the same port with the same store directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'liya-nats-'));
  const storeArgs = options.configFile
    ? ['-c', privateCopyOfConfig(options.configFile, storeDir), '-m', '0']
    : ['-sd', storeDir];
  const url = `nats://127.0.0.1:${port}`;
  const spawnServer = async () => {
    const started = spawn(
      binary,
      ['-a', '127.0.0.1', '-p', String(port), '-js', ...storeArgs, ...extraArgs],
      {
        stdio: 'ignore',
      },
    );

    await waitForPort(url, started, 10_000);

    return started;
  };
  const terminate = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));

      child.kill('SIGTERM');
      await exited;
    }
  };
  let child = await spawnServer();

  return {
    url,
    get process() {
      return child;
    },
    storeDir,
    restart: async () => {
      await terminate();
      child = await spawnServer();
    },
    stop: async () => {
      await terminate();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

// nats-server refuses a store directory given both in the file and on the command line.
function privateCopyOfConfig(configFile: string, storeDir: string): string {
  const text = readFileSync(configFile, 'utf8');
  const copy = join(storeDir, 'nats.conf');
  const storeLine = /^(\s*store_dir\s*:\s*).*$/m;

  writeFileSync(
    copy,
    storeLine.test(text)
      ? text.replace(storeLine, `$1${JSON.stringify(join(storeDir, 'js'))}`)
      : `${text}\njetstream { store_dir: ${JSON.stringify(join(storeDir, 'js'))} }\n`,
  );

  return copy;
}

async function createDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `byok_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new URL(serverUrl);

  admin.pathname = '/postgres';

  const run = async (sql: string) => {
    const client = new Client({
      connectionString: admin.toString(),
      connectionTimeoutMillis: 5000,
    });

    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);

  url.pathname = `/${name}`;

  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

async function dockerPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('postgres:16-alpine')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
    .start();

  return {
    url: `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`,
    stop: async () => {
      await container.stop();
    },
  };
}

async function dockerNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer('nats:2.10-alpine')
    .withCommand(['-js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();

  return {
    url: `nats://${container.getHost()}:${container.getMappedPort(4222)}`,
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * The one place tests get PostgreSQL and NATS from. PostgreSQL: the server at DATABASE_URL, else a
 * testcontainers one. NATS: a private nats-server when the binary is installed, else NATS_URL, else
 * a testcontainers one. Each call gets its own database and (with the binary) its own NATS, so two
 * runs never see each other's rows or events. Without any of them it says what is missing.
 */
export async function provisionTestInfrastructure(
  options: { nats?: PrivateNatsOptions } = {},
): Promise<TestInfrastructure> {
  const cleanups: Array<() => Promise<void>> = [];
  const release = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    let postgresServer = process.env.DATABASE_URL;
    let postgresSource = 'DATABASE_URL';
    if (!postgresServer) {
      const container = await dockerPostgres().catch((error: Error) => {
        throw new Error(
          `No PostgreSQL for the tests: set DATABASE_URL or start Docker (${error.message})`,
        );
      });

      cleanups.push(container.stop);
      postgresServer = container.url;
      postgresSource = 'testcontainers';
    }

    const database = await createDatabase(postgresServer);

    cleanups.push(database.drop);

    let natsUrl: string;
    let restartNats: (() => Promise<void>) | undefined;
    let natsSource: string;
    const binary = findNatsServer();
    if (binary) {
      const nats = await startPrivateNats(binary, [], options.nats);

      cleanups.push(nats.stop);
      natsUrl = nats.url;
      restartNats = nats.restart;
      natsSource = `private ${binary}`;
    } else if (process.env.NATS_URL) {
      natsUrl = process.env.NATS_URL;
      natsSource = 'NATS_URL (shared)';
    } else {
      const container = await dockerNats().catch((error: Error) => {
        throw new Error(
          `No NATS for the tests: install nats-server, set NATS_URL or start Docker ` +
            `(${error.message})`,
        );
      });

      cleanups.push(container.stop);
      natsUrl = container.url;
      natsSource = 'testcontainers';
    }

    return {
      databaseUrl: database.url,
      natsUrl,
      sources: { postgres: postgresSource, nats: natsSource },
      restartNats,
      release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}
