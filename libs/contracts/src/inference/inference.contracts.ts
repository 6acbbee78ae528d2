import { rpcContract } from '../rpc/rpc-contract';
import type { ServiceErrorBody } from '../errors/service-error';
import type { KeySource, ProviderName } from '../provider-config/providers';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from './chat-completion';

export interface ChatRequest {
  tenantId: string;
  requestId: string;
  body: ChatCompletionRequest;
}

export interface ChatReply {
  provider: ProviderName;
  keySource: KeySource;
  completion: ChatCompletion;
}

/**
 * A streamed completion over core NATS. The caller subscribes to its own inbox subject first and
 * names it as the request's reply subject; the router publishes numbered frames there, in order,
 * from one connection (NATS keeps that order). Plain request/reply allows one answer, a JetStream
 * stream per completion would persist chunks nobody replays, and a per-call subscription on the
 * router would cost a round trip before the first token; this needs only the caller's inbox and
 * one shared cancel subscription on each router.
 */
export interface ChatStreamRequest extends ChatRequest {
  /** Unique per call; names the cancel subject and appears in every frame. */
  streamId: string;
  /** How long the router may keep the provider call open, from when it receives the request. */
  deadlineMs: number;
}

/**
 * `accepted` comes at once (a caller that sees none soon knows no router took the call); `start`
 * once the provider accepted the call, so a rejected key is still an error before any chunk;
 * then chunks, and `end` or `error`. `seq` counts from 0, so a lost frame is detected.
 */
export type ChatStreamFrame =
  | { seq: number; type: 'accepted' }
  | { seq: number; type: 'start'; provider: ProviderName; keySource: KeySource }
  | { seq: number; type: 'chunk'; chunk: ChatCompletionChunk }
  | { seq: number; type: 'end' }
  | { seq: number; type: 'error'; error: ServiceErrorBody };

/** A frame before the router numbers it. */
export type ChatStreamFrameBody = ChatStreamFrame extends infer F
  ? F extends { seq: number }
    ? Omit<F, 'seq'>
    : never
  : never;

export const CHAT_STREAM_SUBJECT = 'inference.chat.stream';

/**
 * Published (core NATS, no reply) by a caller that no longer wants a stream, such as a gateway
 * whose client disconnected. Every router instance hears it; the one serving the stream aborts.
 */
export const CHAT_CANCEL_SUBJECT_PREFIX = 'inference.chat.cancel';

export function chatCancelSubject(streamId: string): string {
  return `${CHAT_CANCEL_SUBJECT_PREFIX}.${streamId}`;
}

/** Stream ids travel in subjects, so they are plain tokens. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

export const InferenceRpc = {
  chat: rpcContract<ChatRequest, ChatReply>('inference.chat'),
};
