import { Injectable, type OnModuleInit } from '@nestjs/common';

import { InferenceRpc, ServiceError } from '@liya/contracts';
import { RpcServer } from '@liya/messaging';

import { ChatService } from './chat.service';

/** The chat operation on the bus, for the gateway and for internal callers naming a tenant. */
@Injectable()
export class ChatRpcController implements OnModuleInit {
  constructor(
    private readonly rpcServer: RpcServer,
    private readonly chat: ChatService,
  ) {}

  onModuleInit(): void {
    this.rpcServer.handle(InferenceRpc.chat, (request) => {
      if (
        typeof request?.tenantId !== 'string' ||
        !/^[A-Za-z0-9_.-]{1,128}$/.test(request.tenantId)
      ) {
        throw new ServiceError('invalid_request', 'tenantId is missing or malformed');
      }

      return this.chat.complete({
        tenantId: request.tenantId,
        requestId: typeof request.requestId === 'string' ? request.requestId.slice(0, 128) : '',
        body: request.body,
      });
    });
  }
}
