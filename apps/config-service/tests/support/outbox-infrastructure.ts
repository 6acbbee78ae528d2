import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

// The app's own tests may not use the dev kit, so they bring up what they need here.
const NATS_SERVER = process.env.NATS_SERVER_BINARY ?? '/usr/sbin/nats-server';

export interface OutboxInfrastructure {
  databaseUrl: string;
  natsUrl: string;
  release(): Promise<void>;
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const url = new URL(serverUrl);

  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });

  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();

    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;

      server.close(() => resolve(port));
    });
  });
}

async function startNats(): Promise<{ url: string; child: ChildProcess; storeDir: string }> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'liya-outbox-nats-'));
  const child = spawn(
    NATS_SERVER,
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
    {
      stdio: 'ignore',
    },
  );
  const url = `nats://127.0.0.1:${port}`;
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;

  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${NATS_SERVER} exited at start`);

    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });

      socket.once('error', () => resolve(false));
    });
    if (open) return { url, child, storeDir };

    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  child.kill('SIGKILL');
  throw new Error(`${NATS_SERVER} did not open its port in time`);
}

/** A database of its own on DATABASE_URL's server and a private nats-server with JetStream. */
export async function provisionOutboxInfrastructure(): Promise<OutboxInfrastructure> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('set DATABASE_URL to a PostgreSQL server for this test');

  const name = `byok_outbox_${process.pid}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = new URL(serverUrl);

  databaseUrl.pathname = `/${name}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);

  const nats = await startNats();

  return {
    databaseUrl: databaseUrl.toString(),
    natsUrl: nats.url,
    release: async () => {
      const exited = new Promise((resolve) => nats.child.once('exit', resolve));

      nats.child.kill('SIGTERM');
      await exited;
      rmSync(nats.storeDir, { recursive: true, force: true });
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
