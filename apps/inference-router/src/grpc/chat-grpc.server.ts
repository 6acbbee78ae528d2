import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { INFERENCE_PROTO_PATH, ServiceError } from '@liya/contracts';
import type { RouterEnvironment } from '@liya/environment';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

import { parseChatRequest } from '../chat/chat-request';
import { ChatService } from '../chat/chat.service';
import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import { toGrpcStatus } from './grpc-status';

interface GrpcChatRequest {
  tenant_id: string;
  request_id: string;
  body_json: string;
}

const SHUTDOWN_GRACE_MS = 10_000;

function parseBody(json: string, stream: boolean): unknown {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    throw new ServiceError('invalid_request', 'body_json is not valid JSON', {
      field: 'body_json',
    });
  }

  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ServiceError('invalid_request', 'body_json must be a JSON object');
  }

  return { ...body, stream };
}

/** Aborts the provider call when the gRPC caller cancels or its deadline passes. */
function abortOnCancel(call: { on(event: 'cancelled', listener: () => void): unknown }) {
  const abort = new AbortController();

  call.on('cancelled', () => abort.abort());

  return abort;
}

/**
 * The chat operation over gRPC for internal callers (`libs/contracts/proto/inference.proto`):
 * unary and server streaming, served only when GRPC_PORT is set. Callers name the tenant; each
 * call is bounded by the caller's deadline and by the router's own provider timeouts.
 */
@Injectable()
export class ChatGrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;

  constructor(
    private readonly chat: ChatService,
    @Inject(ROUTER_ENVIRONMENT) private readonly env: RouterEnvironment,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.env.GRPC_PORT) return;

    // Known gap: the port has no TLS or caller authentication of its own; only services inside
    // the cluster's network policy (or mesh, for mTLS) may reach it.

    const definition = loadSync(INFERENCE_PROTO_PATH, { keepCase: true, oneofs: true });
    const loaded = loadPackageDefinition(definition) as unknown as {
      liya: { inference: { v1: { InferenceRouter: { service: ServiceDefinition } } } };
    };

    const server = new Server();

    server.addService(loaded.liya.inference.v1.InferenceRouter.service, {
      Chat: this.unary,
      ChatStream: this.streaming,
    });

    const address = `${this.env.GRPC_HOST}:${this.env.GRPC_PORT}`;

    await new Promise<void>((resolve, reject) => {
      server.bindAsync(address, ServerCredentials.createInsecure(), (error) =>
        error
          ? reject(new Error(`cannot listen for gRPC on ${address}: ${error.message}`))
          : resolve(),
      );
    });

    this.server = server;
    this.logger.info({ grpcPort: this.env.GRPC_PORT }, 'gRPC listening');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;

    const forced = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);

    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    clearTimeout(forced);
  }

  private readonly unary: handleUnaryCall<GrpcChatRequest, unknown> = (call, callback) => {
    const abort = abortOnCancel(call);

    const work = async () => {
      const request = parseChatRequest({
        tenantId: call.request.tenant_id,
        requestId: call.request.request_id,
        body: parseBody(call.request.body_json, false),
      });
      const reply = await this.chat.complete(request, abort.signal);

      return {
        provider: reply.provider,
        key_source: reply.keySource,
        completion_json: JSON.stringify(reply.completion),
      };
    };

    work().then(
      (reply) => callback(null, reply),
      (error: unknown) => callback(this.statusOf(error)),
    );
  };

  private readonly streaming: handleServerStreamingCall<GrpcChatRequest, unknown> = (call) => {
    const abort = abortOnCancel(call);
    const deadline = setTimeout(() => abort.abort(), this.env.STREAM_MAX_DURATION_MS);

    const work = async () => {
      const request = parseChatRequest({
        tenantId: call.request.tenant_id,
        requestId: call.request.request_id,
        body: parseBody(call.request.body_json, true),
      });
      const opened = await this.chat.openStream(request, abort.signal);

      call.write({ start: { provider: opened.provider, key_source: opened.keySource } });
      for await (const chunk of opened.chunks) call.write({ chunk_json: JSON.stringify(chunk) });
    };

    work()
      .then(
        () => call.end(),
        (error: unknown) => {
          if (!call.cancelled) call.emit('error', this.statusOf(error));
        },
      )
      .finally(() => clearTimeout(deadline));
  };

  private statusOf(error: unknown) {
    if (!(error instanceof ServiceError)) {
      this.logger.error({ err: serializeError(error) }, 'gRPC call failed unexpectedly');
    }

    return toGrpcStatus(error);
  }
}
