import { Injectable, type OnModuleInit } from '@nestjs/common';

import { CryptoRpc } from '@liya/contracts';
import { RpcServer } from '@liya/messaging';

import { CryptoOperationsService } from './crypto-operations.service';

/**
 * Binds the crypto operations to their bus subjects. Who may send to which subject is the NATS
 * server's decision (k8s/base/nats/nats.conf), so a request that arrives here is authorised.
 */
@Injectable()
export class CryptoRpcController implements OnModuleInit {
  constructor(
    private readonly rpcServer: RpcServer,
    private readonly operations: CryptoOperationsService,
  ) {}

  onModuleInit(): void {
    const operations = this.operations;

    this.rpcServer.handle(CryptoRpc.encrypt, (request) => operations.encrypt(request));
    this.rpcServer.handle(CryptoRpc.decrypt, (request) => operations.decrypt(request));
    this.rpcServer.handle(CryptoRpc.rewrap, (request) => operations.rewrap(request));
    this.rpcServer.handle(CryptoRpc.encryptBatch, (request) => operations.encryptBatch(request));
    this.rpcServer.handle(CryptoRpc.decryptBatch, (request) => operations.decryptBatch(request));
    this.rpcServer.handle(CryptoRpc.rewrapBatch, (request) => operations.rewrapBatch(request));
  }
}
