import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<void>;

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
  checkTimeoutMs?: number;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** Runs every readiness check with a deadline; a dependency that hangs counts as down. */
export async function runReadinessChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs: number,
): Promise<{ ready: boolean; checks: Record<string, 'up' | 'down'> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      });

      try {
        await Promise.race([check(), deadline]);

        return [name, 'up'] as const;
      } catch {
        return [name, 'down'] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );

  return {
    ready: entries.every(([, state]) => state === 'up'),
    checks: Object.fromEntries(entries),
  };
}

/**
 * The small HTTP port of a bus-only service: liveness, readiness and Prometheus metrics, so
 * Kubernetes probes and scrapers need nothing from the service's own protocol.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const timeoutMs = options.checkTimeoutMs ?? 2000;

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];

    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };

    if (request.method !== 'GET') return send(405, '{"code":"method_not_allowed"}');

    if (path === '/healthz') return send(200, '{"status":"ok"}');

    if (path === '/readyz') {
      void runReadinessChecks(options.checks, timeoutMs).then((report) => {
        send(report.ready ? 200 : 503, JSON.stringify(report));
      });

      return;
    }

    if (path === '/metrics') {
      void options.registry.metrics().then((text) => {
        send(200, text, options.registry.contentType);
      });

      return;
    }

    send(404, '{"code":"not_found"}');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });

  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
