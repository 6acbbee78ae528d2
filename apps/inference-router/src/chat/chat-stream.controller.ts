import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';

import {
  CHAT_CANCEL_SUBJECT_PREFIX,
  CHAT_STREAM_SUBJECT,
  type ChatStreamFrameBody,
  type ChatStreamRequest,
  ServiceError,
  type ServiceErrorBody,
  STREAM_ID_PATTERN,
} from '@liya/contracts';
import type { RouterEnvironment } from '@liya/environment';
import { NATS_CONNECTION } from '@liya/messaging';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import { parseChatRequest } from './chat-request';
import { ChatService } from './chat.service';

const QUEUE_GROUP = 'inference-router';
const encoder = new TextEncoder();

interface ActiveStream {
  abort: AbortController;
  stoppedBy?: 'cancel' | 'deadline';
}

/**
 * Streams completions over NATS (the design is described on ChatStreamRequest): frames go to the
 * caller's reply subject in order, the provider call is aborted on a cancel message for its
 * stream id or at its deadline, whichever comes first.
 */
@Injectable()
export class ChatStreamController implements OnModuleInit, OnApplicationShutdown {
  private readonly active = new Map<string, ActiveStream>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly chat: ChatService,
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    @Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  onModuleInit(): void {
    this.subscriptions.push(
      this.connection.subscribe(CHAT_STREAM_SUBJECT, {
        queue: QUEUE_GROUP,
        callback: (error, message) => {
          if (error) return;

          const work = this.serve(message);

          this.inFlight.add(work);
          void work.finally(() => this.inFlight.delete(work));
        },
      }),
      // No queue group: every replica hears a cancel, and the one serving the stream acts on it.
      this.connection.subscribe(`${CHAT_CANCEL_SUBJECT_PREFIX}.*`, {
        callback: (error, message) => {
          if (error) return;

          const streamId = message.subject.slice(CHAT_CANCEL_SUBJECT_PREFIX.length + 1);
          const stream = this.active.get(streamId);
          if (!stream) return;

          stream.stoppedBy ??= 'cancel';
          stream.abort.abort();
        },
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.drain()));
    await Promise.all([...this.inFlight]);
  }

  private async serve(message: Msg): Promise<void> {
    const replyTo = message.reply;
    if (!replyTo) return;

    let seq = 0;
    const send = (frame: ChatStreamFrameBody) =>
      this.connection.publish(replyTo, encoder.encode(JSON.stringify({ ...frame, seq: seq++ })));

    let request: ChatStreamRequest;
    try {
      request = this.parse(message);
    } catch (error) {
      send({ type: 'error', error: this.errorBody(error) });

      return;
    }

    const stream: ActiveStream = { abort: new AbortController() };
    const deadlineMs = Math.min(request.deadlineMs, this.env.STREAM_MAX_DURATION_MS);
    const deadline = setTimeout(() => {
      stream.stoppedBy ??= 'deadline';
      stream.abort.abort();
    }, deadlineMs);

    this.active.set(request.streamId, stream);
    send({ type: 'accepted' });

    try {
      const opened = await this.chat.openStream(request, stream.abort.signal);

      send({ type: 'start', provider: opened.provider, keySource: opened.keySource });
      for await (const chunk of opened.chunks) send({ type: 'chunk', chunk });
      send({ type: 'end' });
    } catch (error) {
      // A cancelled stream has nobody left to tell.
      if (stream.stoppedBy !== 'cancel') {
        send({ type: 'error', error: this.errorBody(error, stream.stoppedBy === 'deadline') });
      }
    } finally {
      clearTimeout(deadline);
      this.active.delete(request.streamId);
    }
  }

  private parse(message: Msg): ChatStreamRequest {
    const raw = message.json<Partial<ChatStreamRequest>>();
    const request = parseChatRequest(raw);

    if (typeof raw.streamId !== 'string' || !STREAM_ID_PATTERN.test(raw.streamId)) {
      throw new ServiceError('invalid_request', 'streamId is missing or malformed');
    }
    if (typeof raw.deadlineMs !== 'number' || !(raw.deadlineMs > 0)) {
      throw new ServiceError('invalid_request', 'deadlineMs must be a positive number');
    }

    return { ...request, streamId: raw.streamId, deadlineMs: raw.deadlineMs };
  }

  private errorBody(error: unknown, timedOut = false): ServiceErrorBody {
    if (timedOut) {
      return new ServiceError('provider_timeout', 'the stream ran past its deadline').toBody();
    }
    if (error instanceof ServiceError) return error.toBody();
    if (error instanceof SyntaxError) {
      return new ServiceError('invalid_request', 'the request is not valid JSON').toBody();
    }

    this.logger.error({ err: serializeError(error) }, 'stream failed unexpectedly');

    return new ServiceError('internal_error', 'the request failed; see the service logs').toBody();
  }
}
