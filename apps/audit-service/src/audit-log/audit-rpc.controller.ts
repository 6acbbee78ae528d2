import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AuditRpc, ServiceError } from '@liya/contracts';
import { RpcServer } from '@liya/messaging';

import { verifyTenantChain } from '../audit-chain/chain-verifier';
import { AuditLogService } from './audit-log.service';

function requireTenantId(tenantId: unknown): string {
  if (typeof tenantId !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(tenantId)) {
    throw new ServiceError('invalid_request', 'tenantId is missing or malformed');
  }

  return tenantId;
}

/** Binds the audit-log queries and the chain check to their bus subjects. */
@Injectable()
export class AuditRpcController implements OnModuleInit {
  constructor(
    private readonly rpcServer: RpcServer,
    private readonly auditLog: AuditLogService,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.rpcServer.handle(AuditRpc.query, (request) => {
      requireTenantId(request?.tenantId);

      return this.auditLog.query(request);
    });
    this.rpcServer.handle(AuditRpc.verify, (request) =>
      verifyTenantChain(
        (sql, params) => this.dataSource.query(sql, params),
        requireTenantId(request?.tenantId),
      ),
    );
  }
}
