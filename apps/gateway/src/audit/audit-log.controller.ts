import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';

import {
  AuditRpc,
  type AuditQueryReply,
  type AuditVerifyReply,
  ServiceError,
} from '@liya/contracts';
import type { GatewayEnvironment } from '@liya/environment';
import { RpcClient } from '@liya/messaging';

import { CurrentPrincipal, DashboardAuthGuard } from '../auth/dashboard-auth.guard';
import type { Principal } from '../auth/principal';
import { GATEWAY_ENVIRONMENT } from '../config/gateway-environment.token';
import { AUDIT_READER_ROLES, type AuditLogQueryParams, auditQueryOf } from './audit-log-query';

// Verifying walks the tenant's whole chain, so it gets more time than a page read. Known gap: a
// chain of millions of rows can outlast this; `npm run audit:verify` has no such bound.
const VERIFY_TIMEOUT_MS = 30_000;

function assertMayRead(principal: Principal): void {
  if (!AUDIT_READER_ROLES.includes(principal.role)) {
    throw new ServiceError('forbidden_role', 'this role may not read the audit log');
  }
}

/** The caller's own tenant's audit log (newest first) and the check of its hash chain. */
@Controller('dashboard/account')
@UseGuards(DashboardAuthGuard)
export class AuditLogController {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {}

  @Get('audit-log')
  async auditLog(
    @CurrentPrincipal() principal: Principal,
    @Query() params: AuditLogQueryParams,
  ): Promise<AuditQueryReply> {
    assertMayRead(principal);

    return this.rpc.call(
      AuditRpc.query,
      auditQueryOf(principal.tenantId, params ?? {}),
      this.env.CONFIG_TIMEOUT_MS,
    );
  }

  @Get('audit-log/verify')
  async verify(@CurrentPrincipal() principal: Principal): Promise<AuditVerifyReply> {
    assertMayRead(principal);

    return this.rpc.call(AuditRpc.verify, { tenantId: principal.tenantId }, VERIFY_TIMEOUT_MS);
  }
}
