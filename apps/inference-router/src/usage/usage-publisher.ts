import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Counter, Registry } from 'prom-client';

import { type InferenceUsageEvent, usageSubject } from '@liya/contracts';
import type { RouterEnvironment } from '@liya/environment';
import { ensureUsageStream, NATS_CONNECTION } from '@liya/messaging';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';

const RETRY_DELAYS_MS = [100, 500, 2000];

/**
 * Publishes one usage event per provider call on JetStream, off the request's path: the caller
 * is answered first, then the event is published and retried until acknowledged, deduplicated by
 * its id. Known gap: an event not yet acknowledged when the process dies is lost.
 */
@Injectable()
export class UsagePublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly jetstream: JetStreamClient;
  private readonly pending = new Set<Promise<void>>();
  private readonly published: Counter<'outcome'>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    @Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    registry: Registry,
  ) {
    this.jetstream = jetstream(connection, { timeout: env.USAGE_PUBLISH_TIMEOUT_MS });
    this.published = new Counter({
      name: 'liya_usage_events_total',
      help: 'Usage events by publish outcome (ok, or failed after every retry)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureUsageStream(this.connection);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  publish(event: InferenceUsageEvent): void {
    const work = this.publishWithRetries(event);

    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async publishWithRetries(event: InferenceUsageEvent): Promise<void> {
    const payload = JSON.stringify(event);

    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.jetstream.publish(usageSubject(event.provider), payload, {
          msgID: event.event_id,
          timeout: this.env.USAGE_PUBLISH_TIMEOUT_MS,
        });
        this.published.inc({ outcome: 'ok' });

        return;
      } catch (error) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined) {
          this.published.inc({ outcome: 'failed' });
          this.logger.error(
            { eventId: event.event_id, tenantId: event.tenant_id, err: serializeError(error) },
            'usage event not published',
          );

          return;
        }

        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
