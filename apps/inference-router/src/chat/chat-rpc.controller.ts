import { Injectable, type OnModuleInit } from '@nestjs/common';

import { InferenceRpc } from '@liya/contracts';
import { RpcServer } from '@liya/messaging';

import { parseChatRequest } from './chat-request';
import { ChatService } from './chat.service';

/** The whole-answer chat operation on the bus, for the gateway and internal callers. */
@Injectable()
export class ChatRpcController implements OnModuleInit {
  constructor(
    private readonly rpcServer: RpcServer,
    private readonly chat: ChatService,
  ) {}

  onModuleInit(): void {
    this.rpcServer.handle(InferenceRpc.chat, (request) =>
      this.chat.complete(parseChatRequest(request)),
    );
  }
}
