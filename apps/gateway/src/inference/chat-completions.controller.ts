import { Body, Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import {
  type ChatCompletion,
  InferenceRpc,
  parseChatCompletionRequest,
  ServiceError,
} from '@liya/contracts';
import { RpcClient } from '@liya/messaging';

import { CurrentPrincipal, DashboardAuthGuard } from '../auth/dashboard-auth.guard';
import type { Principal } from '../auth/principal';
import type { GatewayEnvironment } from '@liya/environment';

import { GATEWAY_ENVIRONMENT } from '../config/gateway-environment.token';

/** OpenAI-compatible chat completions; the tenant is the token's, the provider the router's. */
@Controller('v1')
@UseGuards(DashboardAuthGuard)
export class ChatCompletionsController {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {}

  @Post('chat/completions')
  @HttpCode(200)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() rawBody: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChatCompletion> {
    const body = parseChatCompletionRequest(rawBody);
    if (body.stream) {
      // Known gap: streaming is not served yet; callers get a clear error instead of a hang.
      throw new ServiceError('invalid_field', 'stream: true is not supported yet', {
        field: 'stream',
      });
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
