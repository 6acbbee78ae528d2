import type { ServiceErrorBody } from '../errors/service-error';

/**
 * Names one request/reply exchange on the bus and carries its payload types, so the requester and
 * the responder are checked against the same declaration.
 */
export interface RpcContract<TRequest, TReply> {
  readonly subject: string;
  readonly requestType?: TRequest;
  readonly replyType?: TReply;
}

export function rpcContract<TRequest, TReply>(subject: string): RpcContract<TRequest, TReply> {
  return { subject };
}

export type RequestOf<C> = C extends RpcContract<infer TRequest, unknown> ? TRequest : never;
export type ReplyOf<C> = C extends RpcContract<unknown, infer TReply> ? TReply : never;

/** Every reply on the bus is this envelope: a value, or a typed error that holds no secret. */
export type RpcReply<TValue> = { ok: true; value: TValue } | { ok: false; error: ServiceErrorBody };
