import { Injectable, type OnModuleInit } from '@nestjs/common';

import { AuditRpc, ServiceError } from '@liya/contracts';
import { RpcServer } from '@liya/messaging';

import { AuditLogService } from './audit-log.service';

/** Binds the audit-log queries to their bus subject. */
@Injectable()
export class AuditRpcController implements OnModuleInit {
  constructor(
    private readonly rpcServer: RpcServer,
    private readonly auditLog: AuditLogService,
  ) {}

  onModuleInit(): void {
    this.rpcServer.handle(AuditRpc.query, (request) => {
      if (typeof request?.tenantId !== 'string' || request.tenantId.length === 0) {
        throw new ServiceError('invalid_request', 'tenantId is missing');
      }

      return this.auditLog.query(request);
    });
  }
}
