import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Gauge, type Registry } from 'prom-client';

import { AUDIT_STREAM } from '@liya/contracts';

const INFO_TIMEOUT_MS = 2000;

/**
 * The durable consumer's lag, read from the server at each scrape: messages in the stream not yet
 * delivered (num_pending) and delivered but not yet acknowledged (num_ack_pending). -1 means the
 * server did not answer.
 */
export function registerConsumerLagGauges(
  registry: Registry,
  connection: NatsConnection,
  consumerName: string,
): void {
  let lastRead: Promise<{ pending: number; ackPending: number }> | undefined;

  // Both gauges are collected in one scrape; they share one consumer-info request.
  const read = () => {
    lastRead ??= jetstreamManager(connection, { timeout: INFO_TIMEOUT_MS })
      .then((manager) => manager.consumers.info(AUDIT_STREAM, consumerName))
      .then((info) => ({ pending: info.num_pending, ackPending: info.num_ack_pending }))
      .catch(() => ({ pending: -1, ackPending: -1 }))
      .finally(() => setTimeout(() => (lastRead = undefined), 100).unref());

    return lastRead;
  };

  new Gauge({
    name: 'liya_audit_consumer_pending',
    help: 'AUDIT stream messages not yet delivered to the audit-service consumer (num_pending)',
    registers: [registry],
    async collect(this: Gauge) {
      this.set((await read()).pending);
    },
  });
  new Gauge({
    name: 'liya_audit_consumer_ack_pending',
    help: 'AUDIT stream messages delivered to audit-service and not yet acknowledged',
    registers: [registry],
    async collect(this: Gauge) {
      this.set((await read()).ackPending);
    },
  });
}
