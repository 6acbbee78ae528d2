import { Counter, Gauge, type Registry } from 'prom-client';

import type { OutboxStore } from './outbox-store';

/**
 * The outbox's metrics: events acknowledged by the stream, events confirmed stored by
 * audit-service, and, read from the table at each scrape, the backlog not yet published and the
 * events published but not yet confirmed (-1: the database did not answer).
 */
export function registerOutboxMetrics(registry: Registry, store: OutboxStore) {
  let lastRead: Promise<{ pending: number; unconfirmed: number }> | undefined;

  // Both gauges are collected in one scrape; they share one query.
  const read = () => {
    lastRead ??= store
      .counts()
      .catch(() => ({ pending: -1, unconfirmed: -1 }))
      .finally(() => setTimeout(() => (lastRead = undefined), 100).unref());

    return lastRead;
  };

  new Gauge({
    name: 'liya_outbox_backlog',
    help: 'Outbox events committed but not yet published',
    registers: [registry],
    async collect(this: Gauge) {
      this.set((await read()).pending);
    },
  });
  new Gauge({
    name: 'liya_outbox_unconfirmed',
    help: 'Outbox events published but not yet confirmed stored by audit-service',
    registers: [registry],
    async collect(this: Gauge) {
      this.set((await read()).unconfirmed);
    },
  });

  return {
    published: new Counter({
      name: 'liya_outbox_published_total',
      help: 'Outbox events the AUDIT stream acknowledged, first publishes and re-publishes',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    confirmed: new Counter({
      name: 'liya_outbox_confirmed_total',
      help: 'Outbox events confirmed stored by an audit-service receipt',
      registers: [registry],
    }),
  };
}
