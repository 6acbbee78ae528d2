import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';

import { NATS_CONNECTION, pingNats } from '@liya/messaging';
import { runReadinessChecks } from '@liya/runtime';

/** Probes and metrics on the gateway's own port. */
@Controller()
export class HealthController {
  constructor(
    @Inject(NATS_CONNECTION) private readonly connection: NatsConnection,
    private readonly registry: Registry,
  ) {}

  @Get('healthz')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readiness(@Res() reply: FastifyReply): Promise<void> {
    const report = await runReadinessChecks({ nats: () => pingNats(this.connection) }, 2000);

    await reply.status(report.ready ? 200 : 503).send(report);
  }

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const text = await this.registry.metrics();

    await reply.header('content-type', this.registry.contentType).send(text);
  }
}
