import { errors, type NatsConnection } from '@nats-io/transport-node';

import {
  type ReplyOf,
  type RequestOf,
  type RpcContract,
  type RpcReply,
  ServiceError,
} from '@liya/contracts';

import { encodeJson } from './codec';

/**
 * Calls another service over NATS request/reply. Every call has a deadline; a responder that is
 * absent or too slow becomes a `dependency_unavailable` error with a retry hint, never a hang.
 */
export class RpcClient {
  constructor(
    private readonly connection: NatsConnection,
    private readonly defaultTimeoutMs = 5000,
  ) {}

  async call<C extends RpcContract<unknown, unknown>>(
    contract: C,
    request: RequestOf<C>,
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<ReplyOf<C>> {
    let reply: RpcReply<ReplyOf<C>>;

    try {
      const message = await this.connection.request(contract.subject, encodeJson(request), {
        timeout: timeoutMs,
      });

      reply = message.json<RpcReply<ReplyOf<C>>>();
    } catch (error) {
      throw toUnavailable(contract.subject, error);
    }

    if (!reply.ok) throw ServiceError.fromBody(reply.error);

    return reply.value;
  }
}

function toUnavailable(subject: string, error: unknown): ServiceError {
  const service = subject.split('.')[0];
  const noResponders = error instanceof errors.RequestError && error.isNoResponders();
  const reason = noResponders ? 'has no running instance' : 'did not answer in time';

  return new ServiceError('dependency_unavailable', `the ${service} service ${reason}`, {
    retryAfterSeconds: 1,
  });
}
