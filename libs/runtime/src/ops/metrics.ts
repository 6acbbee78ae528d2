import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * One registry per process with the default Node metrics. Label values are route templates,
 * subjects, providers and codes: never tenant ids or anything a caller typed.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();

  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });

  return registry;
}

export function rpcMetrics(registry: Registry) {
  return {
    handled: new Counter({
      name: 'liya_rpc_requests_total',
      help: 'Bus requests handled, by subject and outcome code',
      labelNames: ['subject', 'code'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'liya_rpc_duration_seconds',
      help: 'Time to handle a bus request, by subject',
      labelNames: ['subject'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type RpcMetrics = ReturnType<typeof rpcMetrics>;
