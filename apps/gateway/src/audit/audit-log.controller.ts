import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';

import { AuditRpc, type AuditQueryReply, ServiceError } from '@liya/contracts';
import type { GatewayEnvironment } from '@liya/environment';
import { RpcClient } from '@liya/messaging';

import { CurrentPrincipal, DashboardAuthGuard } from '../auth/dashboard-auth.guard';
import type { Principal } from '../auth/principal';
import { GATEWAY_ENVIRONMENT } from '../config/gateway-environment.token';

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;

  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new ServiceError('invalid_field', 'limit must be a whole number from 1 to 100', {
      field: 'limit',
    });
  }

  return limit;
}

/** The tenant's own audit log, newest first; any role of the tenant may read it. */
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
    @Query('limit') limit: string | undefined,
    @Query('cursor') cursor: string | undefined,
  ): Promise<AuditQueryReply> {
    return this.rpc.call(
      AuditRpc.query,
      { tenantId: principal.tenantId, limit: parseLimit(limit), cursor },
      this.env.CONFIG_TIMEOUT_MS,
    );
  }
}
