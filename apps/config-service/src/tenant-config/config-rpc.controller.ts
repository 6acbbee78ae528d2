import { Injectable, type OnModuleInit } from '@nestjs/common';

import { ConfigRpc, ServiceError } from '@liya/contracts';
import { RpcServer } from '@liya/messaging';

import { TenantConfigService } from './tenant-config.service';

function requireTenantId(tenantId: unknown): string {
  if (typeof tenantId !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(tenantId)) {
    throw new ServiceError('invalid_request', 'tenantId is missing or malformed');
  }

  return tenantId;
}

/** Binds the configuration operations to their bus subjects. */
@Injectable()
export class ConfigRpcController implements OnModuleInit {
  constructor(
    private readonly rpcServer: RpcServer,
    private readonly configs: TenantConfigService,
  ) {}

  onModuleInit(): void {
    this.rpcServer.handle(ConfigRpc.get, (request) =>
      this.configs.get(requireTenantId(request?.tenantId)),
    );
    this.rpcServer.handle(ConfigRpc.update, (request) => {
      requireTenantId(request?.actor?.tenantId);

      return this.configs.update(request);
    });
    this.rpcServer.handle(ConfigRpc.resolve, (request) =>
      this.configs.resolve(requireTenantId(request?.tenantId)),
    );
  }
}
