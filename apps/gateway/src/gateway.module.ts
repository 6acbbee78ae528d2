import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';

import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';

import type { GatewayEnvironment } from '@liya/environment';
import { messagingProviders } from '@liya/messaging';
import { APP_LOGGER, type AppLogger, rpcMetrics } from '@liya/runtime';

import { AuditLogController } from './audit/audit-log.controller';
import { DashboardAuthGuard } from './auth/dashboard-auth.guard';
import { DashboardTokenVerifier } from './auth/dashboard-token.verifier';
import { GATEWAY_ENVIRONMENT } from './config/gateway-environment.token';
import { AccountConfigController } from './dashboard/account-config.controller';
import { HealthController } from './health/health.controller';
import { ErrorResponseFilter } from './http/error-response.filter';
import { ChatCompletionsController } from './inference/chat-completions.controller';
import { OpenApiController } from './openapi/openapi.controller';
import { KeyVerificationController } from './verification/key-verification.controller';

@Module({})
export class GatewayModule {
  static register(
    env: GatewayEnvironment,
    runtime: { connection: NatsConnection; registry: Registry; logger: AppLogger },
  ): DynamicModule {
    const { connection, registry, logger } = runtime;
    const sharedProviders = [
      ...messagingProviders({
        connection,
        service: 'gateway',
        logger,
        metrics: rpcMetrics(registry),
      }),
      { provide: Registry, useValue: registry },
      { provide: APP_LOGGER, useValue: logger },
    ];

    return {
      module: GatewayModule,
      imports: [JwtModule.register({})],
      controllers: [
        AccountConfigController,
        AuditLogController,
        ChatCompletionsController,
        HealthController,
        KeyVerificationController,
        OpenApiController,
      ],
      providers: [
        ...sharedProviders,
        { provide: GATEWAY_ENVIRONMENT, useValue: env },
        { provide: APP_FILTER, useClass: ErrorResponseFilter },
        DashboardTokenVerifier,
        DashboardAuthGuard,
      ],
    };
  }
}
