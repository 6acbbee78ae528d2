import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import {
  CONFIG_WRITER_ROLES,
  KeyVerificationRpc,
  ServiceError,
  type VerifyKeysReply,
} from '@liya/contracts';
import { RpcClient } from '@liya/messaging';

import { CurrentPrincipal, DashboardAuthGuard } from '../auth/dashboard-auth.guard';
import type { Principal } from '../auth/principal';

// The router bounds each provider check (VERIFY_TIMEOUT_MS, 5 s by default) and runs them at once.
const VERIFY_TIMEOUT_MS = 15_000;

/**
 * Checks the tenant's stored keys against their providers. Owners and admins only, like writing
 * the configuration: each check spends a call on the tenant's provider account, and the answer
 * is part of managing keys, which members cannot do. Members still read the configuration view.
 */
@Controller('dashboard/account/config')
@UseGuards(DashboardAuthGuard)
export class KeyVerificationController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('verify')
  @HttpCode(200)
  async verify(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<VerifyKeysReply> {
    if (!CONFIG_WRITER_ROLES.includes(principal.role)) {
      throw new ServiceError('forbidden_role', 'only owners and admins may verify provider keys');
    }

    return this.rpc.call(
      KeyVerificationRpc.verify,
      { tenantId: principal.tenantId, requestId: request.id },
      VERIFY_TIMEOUT_MS,
    );
  }
}
