import type { PassThrough } from 'node:stream';

import { Body, Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { type ChatCompletion, InferenceRpc, parseChatCompletionRequest } from '@liya/contracts';
import type { GatewayEnvironment } from '@liya/environment';
import { NATS_CONNECTION, RpcClient } from '@liya/messaging';
import { APP_LOGGER, type AppLogger } from '@liya/runtime';

import { CurrentPrincipal, DashboardAuthGuard } from '../auth/dashboard-auth.guard';
import type { Principal } from '../auth/principal';
import { GATEWAY_ENVIRONMENT } from '../config/gateway-environment.token';
import { ChatStreamRelay } from './chat-stream.relay';

/** OpenAI-compatible chat completions; the tenant is the token's, the provider the router's. */
@Controller('v1')
@UseGuards(DashboardAuthGuard)
export class ChatCompletionsController {
  private readonly relay: ChatStreamRelay;

  constructor(
    private readonly rpc: RpcClient,
    @Inject(NATS_CONNECTION) connection: NatsConnection,
    @Inject(APP_LOGGER) logger: AppLogger,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {
    this.relay = new ChatStreamRelay(connection, logger);
  }

  @Post('chat/completions')
  @HttpCode(200)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() rawBody: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChatCompletion | PassThrough> {
    const body = parseChatCompletionRequest(rawBody);

    if (body.stream) {
      const stream = await this.relay.open(
        principal.tenantId,
        request.id,
        body,
        this.env.INFERENCE_TIMEOUT_MS,
      );

      void reply
        .header('x-liya-provider', stream.provider)
        .header('x-liya-key-source', stream.keySource)
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-accel-buffering', 'no');

      // Fastify destroys the stream when the client goes away; the relay then cancels the call.
      return stream.events;
    }

    const answer = await this.rpc.call(
      InferenceRpc.chat,
      { tenantId: principal.tenantId, requestId: request.id, body },
      this.env.INFERENCE_TIMEOUT_MS,
    );

    void reply.header('x-liya-provider', answer.provider);
    void reply.header('x-liya-key-source', answer.keySource);

    return answer.completion;
  }
}
