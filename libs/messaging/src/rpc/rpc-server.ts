import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';

import {
  type ReplyOf,
  type RequestOf,
  type RpcContract,
  type RpcReply,
  ServiceError,
} from '@liya/contracts';
import { type AppLogger, type RpcMetrics, serializeError } from '@liya/runtime';

import { encodeJson } from './codec';

export type RpcHandler<C> = (request: RequestOf<C>) => Promise<ReplyOf<C>>;

/**
 * Answers requests for a set of contracts in one queue group per service, so replicas share the
 * load. A handler's ServiceError is returned as is; anything else becomes `internal_error` with a
 * fixed message, since an unexpected error's own text is not known to be free of secrets.
 */
export class RpcServer {
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly connection: NatsConnection,
    private readonly queueGroup: string,
    private readonly logger: AppLogger,
    private readonly metrics?: RpcMetrics,
  ) {}

  handle<C extends RpcContract<unknown, unknown>>(contract: C, handler: RpcHandler<C>): void {
    const subscription = this.connection.subscribe(contract.subject, {
      queue: this.queueGroup,
      callback: (error, message) => {
        if (error) {
          this.logger.error(
            { subject: contract.subject, err: serializeError(error) },
            'subscription failed',
          );

          return;
        }

        const work = this.answer(contract.subject, message, handler);

        this.inFlight.add(work);
        void work.finally(() => this.inFlight.delete(work));
      },
    });

    this.subscriptions.push(subscription);
  }

  /** Stops taking requests and waits for the ones already being answered. */
  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.drain()));
    await Promise.all([...this.inFlight]);
  }

  private async answer<C extends RpcContract<unknown, unknown>>(
    subject: string,
    message: Msg,
    handler: RpcHandler<C>,
  ): Promise<void> {
    const stopTimer = this.metrics?.duration.startTimer({ subject });
    let reply: RpcReply<ReplyOf<C>>;

    try {
      const request = message.json<RequestOf<C>>();

      reply = { ok: true, value: await handler(request) };
    } catch (error) {
      reply = { ok: false, error: this.toErrorBody(subject, error) };
    }

    const seconds = stopTimer?.();
    const code = reply.ok ? 'ok' : reply.error.code;

    this.metrics?.handled.inc({ subject, code });
    this.logger.debug({ subject, code, seconds }, 'bus request answered');

    if (message.reply) message.respond(encodeJson(reply));
  }

  private toErrorBody(subject: string, error: unknown) {
    if (error instanceof ServiceError) return error.toBody();

    if (error instanceof SyntaxError) {
      return new ServiceError('invalid_request', 'the request is not valid JSON').toBody();
    }

    this.logger.error({ subject, err: serializeError(error) }, 'request failed unexpectedly');

    return new ServiceError('internal_error', 'the request failed; see the service logs').toBody();
  }
}
