import { Injectable, type OnModuleInit } from '@nestjs/common';

import { CryptoRpc } from '@liya/contracts';
import { RpcServer } from '@liya/messaging';

import { CryptoOperationsService } from './crypto-operations.service';

/** Binds the crypto operations to their bus subjects. */
@Injectable()
export class CryptoRpcController implements OnModuleInit {
  constructor(
    private readonly rpcServer: RpcServer,
    private readonly operations: CryptoOperationsService,
  ) {}

  onModuleInit(): void {
    this.rpcServer.handle(CryptoRpc.encrypt, (request) => this.operations.encrypt(request));
    this.rpcServer.handle(CryptoRpc.decrypt, (request) => this.operations.decrypt(request));
  }
}
