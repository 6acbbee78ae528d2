import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '@liya/dev-kit';

import { eventually } from './service-process';

function portOpen(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });

    socket.once('error', () => resolve(undefined));
  });
}

export interface StoppableNats {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** A nats-server a test can take down and bring back on the same port and store. */
export async function startStoppableNats(binary: string): Promise<StoppableNats> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'liya-nats-outage-'));
  let child: ChildProcess | undefined;

  const up = async () => {
    const started = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: 'ignore',
    });

    child = started;
    await eventually(() => portOpen(port), `nats-server on port ${port}`);
  };
  const down = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;

    const exited = new Promise((resolve) => running.once('exit', resolve));

    running.kill('SIGKILL');
    await exited;
  };

  await up();

  return {
    url: `nats://127.0.0.1:${port}`,
    up,
    down,
    close: async () => {
      await down();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export interface TcpOutage {
  port: number;
  /** Cuts every open connection and refuses new ones. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A loopback TCP relay in front of a server the test cannot stop itself (the shared PostgreSQL):
 * taking the relay down is, for the service behind it, the server going away.
 */
export async function startTcpOutage(targetPort: number): Promise<TcpOutage> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const up = () =>
    new Promise<void>((resolve, reject) => {
      const relay = createServer((client) => {
        const upstream = createConnection(targetPort, '127.0.0.1');

        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
      });

      relay.once('error', reject);
      relay.listen(port, '127.0.0.1', () => resolve());
      server = relay;
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server?.listening) return resolve();

      server.close(() => resolve());
    });

  await up();

  return { port, up, down, close: down };
}
