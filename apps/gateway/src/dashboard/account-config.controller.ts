import { Body, Controller, Get, Headers, Inject, Patch, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import {
  CONFIG_WRITER_ROLES,
  ConfigRpc,
  parseConfigPatchBody,
  type ProviderConfigView,
  ServiceError,
} from '@liya/contracts';
import { RpcClient } from '@liya/messaging';
import type { GatewayEnvironment } from '@liya/environment';

import { CurrentPrincipal, DashboardAuthGuard } from '../auth/dashboard-auth.guard';
import type { Principal } from '../auth/principal';

import { GATEWAY_ENVIRONMENT } from '../config/gateway-environment.token';
import { requestMetaOf } from '../http/request-meta';

function parseIfMatch(header: string | undefined): number | undefined {
  // "*" matches any current version, so it is the same as no condition.
  if (header === undefined || header.trim() === '*') return undefined;

  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match?.[1]) {
    throw new ServiceError('invalid_if_match', 'If-Match must be a configuration version', {
      field: 'If-Match',
    });
  }

  return Number(match[1]);
}

/** The dashboard's account routes. Every read and write is scoped to the token's tenant. */
@Controller('dashboard/account')
@UseGuards(DashboardAuthGuard)
export class AccountConfigController {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {}

  @Get('config')
  async getConfig(
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderConfigView> {
    const view = await this.rpc.call(
      ConfigRpc.get,
      { tenantId: principal.tenantId },
      this.env.CONFIG_TIMEOUT_MS,
    );

    void reply.header('etag', `"${view.version}"`).header('cache-control', 'no-store');

    return view;
  }

  @Patch('config')
  async patchConfig(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderConfigView> {
    // A reader learns nothing about the rules from a refused write, so the role goes first.
    if (!CONFIG_WRITER_ROLES.includes(principal.role)) {
      throw new ServiceError(
        'forbidden_role',
        'only an owner or admin may change the configuration',
      );
    }

    const expectedVersion = parseIfMatch(ifMatch);
    const { providerConfig } = parseConfigPatchBody(body);

    const view = await this.rpc.call(
      ConfigRpc.update,
      {
        actor: { ...principal },
        meta: requestMetaOf(request),
        patch: providerConfig,
        expectedVersion,
      },
      this.env.CONFIG_TIMEOUT_MS,
    );

    void reply.header('etag', `"${view.version}"`).header('cache-control', 'no-store');

    return view;
  }
}
