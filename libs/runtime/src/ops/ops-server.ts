import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

import { type ReadinessCheck, runReadinessChecks } from './readiness';

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
      void runReadinessChecks(options.checks, timeoutMs).then(
        (report) => send(report.ready ? 200 : 503, JSON.stringify(report)),
        () => send(503, '{"ready":false,"status":"error","checks":{}}'),
      );

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
