import { Injectable, type OnModuleInit } from '@nestjs/common';

import { KeyVerificationRpc } from '@liya/contracts';
import { RpcServer } from '@liya/messaging';

import { parseCaller } from '../chat/chat-request';
import { KeyVerificationService } from './key-verification.service';

/** Key verification on the bus, for the gateway's dashboard route. */
@Injectable()
export class KeyVerificationRpcController implements OnModuleInit {
  constructor(
    private readonly rpcServer: RpcServer,
    private readonly verification: KeyVerificationService,
  ) {}

  onModuleInit(): void {
    this.rpcServer.handle(KeyVerificationRpc.verify, (request) => {
      const { tenantId, requestId } = parseCaller(request);

      return this.verification.verify(tenantId, requestId);
    });
  }
}
