import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';

import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';

import {
  CHAT_STREAM_SUBJECT,
  chatCancelSubject,
  type ChatCompletionRequest,
  type ChatStreamFrame,
  type ChatStreamRequest,
  type KeySource,
  type ProviderName,
  ServiceError,
} from '@liya/contracts';
import type { AppLogger } from '@liya/runtime';

/** How long a router has to take the call before the caller is told none is running. */
const ACCEPT_TIMEOUT_MS = 2_000;

/**
 * Longest stream the gateway relays; the router holds the same bound on its side.
 * Known gap: a stream still open when the gateway stops is cut at its shutdown deadline, not ended.
 */
const STREAM_DEADLINE_MS = 300_000;

export interface RelayedStream {
  provider: ProviderName;
  keySource: KeySource;
  /** Server-sent events, ending in `data: [DONE]`, or in an error event if the call fails. */
  events: PassThrough;
}

const encoder = new TextEncoder();

function unavailable(reason: string): ServiceError {
  return new ServiceError('dependency_unavailable', `the inference-router service ${reason}`, {
    retryAfterSeconds: 1,
  });
}

/**
 * Relays a streamed completion from the router (see ChatStreamRequest for the bus protocol) as
 * server-sent events. Resolves once the provider has accepted the call, so failures before the
 * first chunk are ordinary HTTP errors; after that, a failure is an error event. When the client
 * goes away, a cancel message stops the router's provider call.
 * Known gap: frames are not flow-controlled, so a client reading slower than the provider writes
 * is buffered in gateway memory (bounded by the stream's length and deadline).
 */
export class ChatStreamRelay {
  constructor(
    private readonly connection: NatsConnection,
    private readonly logger: AppLogger,
  ) {}

  async open(
    tenantId: string,
    requestId: string,
    body: ChatCompletionRequest,
    startTimeoutMs: number,
  ): Promise<RelayedStream> {
    const streamId = randomBytes(16).toString('base64url');
    const inbox = createInbox('_INBOX.gateway');
    const subscription = this.connection.subscribe(inbox);
    const events = new PassThrough();
    let expected = 0;
    let finished = false;

    const cancel = () => {
      if (finished) return;

      finished = true;
      subscription.unsubscribe();
      this.connection.publish(chatCancelSubject(streamId));
    };

    const request: ChatStreamRequest = {
      tenantId,
      requestId,
      body,
      streamId,
      deadlineMs: STREAM_DEADLINE_MS,
    };

    this.connection.publish(CHAT_STREAM_SUBJECT, encoder.encode(JSON.stringify(request)), {
      reply: inbox,
    });

    const frames = subscription[Symbol.asyncIterator]();
    const next = async (timeoutMs: number): Promise<ChatStreamFrame> => {
      const message = await withTimeout(frames.next(), timeoutMs);
      if (!message || message.done) throw unavailable('did not answer in time');

      const frame = decode(message.value);
      if (frame.seq !== expected) throw unavailable('lost part of the stream');
      expected += 1;

      return frame;
    };

    let start: ChatStreamFrame;
    try {
      const accepted = await next(ACCEPT_TIMEOUT_MS);
      if (accepted.type === 'error') throw ServiceError.fromBody(accepted.error);
      if (accepted.type !== 'accepted') throw unavailable('sent an unexpected answer');

      start = await next(startTimeoutMs);
      if (start.type === 'error') throw ServiceError.fromBody(start.error);
      if (start.type !== 'start') throw unavailable('sent an unexpected answer');
    } catch (error) {
      cancel();

      throw error;
    }

    events.on('close', cancel);
    void this.pump(next, events, startTimeoutMs).finally(() => {
      finished = true;
      subscription.unsubscribe();
    });

    return { provider: start.provider, keySource: start.keySource, events };
  }

  private async pump(
    next: (timeoutMs: number) => Promise<ChatStreamFrame>,
    events: PassThrough,
    idleTimeoutMs: number,
  ): Promise<void> {
    try {
      for (;;) {
        if (events.destroyed) return;

        const frame = await next(idleTimeoutMs);
        if (frame.type === 'chunk') {
          events.write(`data: ${JSON.stringify(frame.chunk)}\n\n`);
        } else if (frame.type === 'end') {
          events.end('data: [DONE]\n\n');

          return;
        } else if (frame.type === 'error') {
          throw ServiceError.fromBody(frame.error);
        }
      }
    } catch (error) {
      if (events.destroyed) return;

      const failure =
        error instanceof ServiceError ? error : unavailable('ended the stream unexpectedly');

      this.logger.warn({ code: failure.code }, 'stream ended with an error');
      events.end(`data: ${JSON.stringify(errorEvent(failure))}\n\n`);
    }
  }
}

function decode(message: Msg): ChatStreamFrame {
  // NATS answers a request to a subject nobody serves with a 503 status and no body.
  if (message.headers?.code === 503) throw unavailable('has no running instance');

  try {
    return message.json<ChatStreamFrame>();
  } catch {
    throw unavailable('sent an unreadable answer');
  }
}

function errorEvent(error: ServiceError) {
  return {
    error: {
      message: error.message,
      type: error.status >= 500 ? 'server_error' : 'invalid_request_error',
      code: error.code,
      param: error.field ?? null,
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });

  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
