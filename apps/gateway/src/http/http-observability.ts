import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

import type { AppLogger } from '@liya/runtime';

import { principalOf } from '../auth/dashboard-auth.guard';

/**
 * One access-log line and one metric sample per request. Labels are the route template, method
 * and status, never a path with ids in it; the log names the tenant and request, never a body.
 */
export function observeHttp(server: FastifyInstance, registry: Registry, logger: AppLogger): void {
  const requests = new Counter({
    name: 'liya_http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'liya_http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });

  server.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  server.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;

    requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    duration.observe({ route, method: request.method }, seconds);

    if (route === '/healthz' || route === '/readyz' || route === '/metrics') return;

    logger.info(
      {
        requestId: request.id,
        tenantId: principalOf(request)?.tenantId,
        method: request.method,
        route,
        status: reply.statusCode,
        latencyMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request served',
    );
  });
}
