import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { Counter, Histogram, Registry } from 'prom-client';

import { CryptoRpc, type RpcReply, ServiceError, type ServiceErrorBody } from '@liya/contracts';
import { NATS_CONNECTION } from '@liya/messaging';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

import { CryptoOperationsService } from './crypto-operations.service';

const QUEUE_GROUP = 'crypto-service';
const encoder = new TextEncoder();

type Handler = (request: unknown) => unknown;

/**
 * Binds the crypto operations to their bus subjects, with the same reply envelope and metrics as
 * the shared RpcServer. Unlike it, this answers inside the message callback: the operations wait
 * on nothing but the CPU, and answering synchronously lets the replies to a burst of requests
 * leave in one socket write rather than one write each, which under load is most of the cost
 * that separates this service from a bare echo responder.
 *
 * Who may send to which subject is the NATS server's decision (k8s/base/nats/nats.conf), so a
 * request that arrives here is authorised.
 */
@Injectable()
export class CryptoResponder implements OnModuleInit, OnApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];
  private readonly handled?: Counter<'subject' | 'code'>;
  private readonly duration?: Histogram<'subject'>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly operations: CryptoOperationsService,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    registry: Registry,
  ) {
    this.handled = registry.getSingleMetric('liya_rpc_requests_total') as typeof this.handled;
    this.duration = registry.getSingleMetric('liya_rpc_duration_seconds') as typeof this.duration;
  }

  onModuleInit(): void {
    const operations = this.operations;
    const handlers: Array<[string, Handler]> = [
      [CryptoRpc.encrypt.subject, (request) => operations.encrypt(request)],
      [CryptoRpc.decrypt.subject, (request) => operations.decrypt(request)],
      [CryptoRpc.rewrap.subject, (request) => operations.rewrap(request)],
      [CryptoRpc.encryptBatch.subject, (request) => operations.encryptBatch(request)],
      [CryptoRpc.decryptBatch.subject, (request) => operations.decryptBatch(request)],
      [CryptoRpc.rewrapBatch.subject, (request) => operations.rewrapBatch(request)],
    ];

    for (const [subject, handler] of handlers) {
      const duration = this.duration?.labels({ subject });
      const answered = this.handled?.labels({ subject, code: 'ok' });

      this.subscriptions.push(
        this.connection.subscribe(subject, {
          queue: QUEUE_GROUP,
          callback: (error, message) => {
            if (error) {
              this.logger.error({ subject, err: serializeError(error) }, 'subscription failed');

              return;
            }

            const started = process.hrtime.bigint();
            const code = this.answer(subject, message, handler);

            duration?.observe(Number(process.hrtime.bigint() - started) / 1e9);
            if (code === 'ok') answered?.inc();
            else this.handled?.inc({ subject, code });
          },
        }),
      );
    }
  }

  /** Stops taking requests; none is ever left half-answered, since each is answered at once. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.drain()));
  }

  private answer(subject: string, message: Msg, handler: Handler): string {
    let reply: RpcReply<unknown>;

    try {
      reply = { ok: true, value: handler(message.json()) };
    } catch (error) {
      reply = { ok: false, error: this.toErrorBody(subject, error) };
    }

    if (message.reply) message.respond(encoder.encode(JSON.stringify(reply)));

    return reply.ok ? 'ok' : reply.error.code;
  }

  private toErrorBody(subject: string, error: unknown): ServiceErrorBody {
    if (error instanceof ServiceError) return error.toBody();

    if (error instanceof SyntaxError) {
      return new ServiceError('invalid_request', 'the request is not valid JSON').toBody();
    }

    this.logger.error({ subject, err: serializeError(error) }, 'request failed unexpectedly');

    return new ServiceError('internal_error', 'the request failed; see the service logs').toBody();
  }
}
