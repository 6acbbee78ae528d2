import { z } from 'zod';

import type { RouteDescription } from '../openapi/route-description';

const readinessReport = z.object({
  ready: z.boolean(),
  status: z.enum(['ok', 'error', 'stopping']),
  checks: z.record(z.string(), z.unknown()),
});

export const HEALTH_ROUTES: RouteDescription[] = [
  {
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    tag: 'operations',
    auth: 'none',
    responses: [
      { status: 200, description: 'alive', schema: z.object({ status: z.literal('ok') }) },
    ],
    errors: [],
  },
  {
    method: 'GET',
    path: '/readyz',
    summary: 'Readiness: NATS answers',
    tag: 'operations',
    auth: 'none',
    responses: [
      { status: 200, description: 'ready', schema: readinessReport },
      {
        status: 503,
        description: 'not ready; the report names the failing check',
        schema: readinessReport,
      },
    ],
    errors: [],
  },
  {
    method: 'GET',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'operations',
    auth: 'none',
    responses: [
      {
        status: 200,
        description: 'Prometheus text exposition format',
        contentType: 'text/plain; version=0.0.4',
      },
    ],
    errors: [],
  },
];
