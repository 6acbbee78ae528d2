import 'reflect-metadata';

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

import { gatewayEnvironmentSchema } from '@liya/environment';
import { connectNats, natsSettingsFrom } from '@liya/messaging';
import {
  createMetricsRegistry,
  loadEnvironment,
  NestLoggerAdapter,
  runService,
  runWithLogContext,
} from '@liya/runtime';

import { principalOf } from './auth/dashboard-auth.guard';
import { GatewayModule } from './gateway.module';
import { INFERENCE_BODY_LIMIT_BYTES, limitDashboardBodies } from './http/body-limits';
import { observeHttp } from './http/http-observability';
import { requestIdFrom } from './http/request-meta';
import { requireJsonBodies } from './http/require-json-body';

// An inference call may take a minute; requests in flight finish before the process exits.
const SHUTDOWN_TIMEOUT_MS = 70_000;

const MALFORMED_HTTP_BODY = '{"code":"invalid_request","message":"the request is not valid HTTP"}';
const MALFORMED_HTTP_RESPONSE =
  'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n' +
  `content-length: ${MALFORMED_HTTP_BODY.length}\r\nconnection: close\r\n\r\n` +
  MALFORMED_HTTP_BODY;

runService(
  'gateway',
  async (logger) => {
    const env = loadEnvironment(gatewayEnvironmentSchema, logger);
    const registry = createMetricsRegistry('gateway');
    const connection = await connectNats({ ...natsSettingsFrom(env), service: 'gateway' });

    const https =
      env.TLS_CERT_FILE && env.TLS_KEY_FILE
        ? {
            cert: readFileSync(env.TLS_CERT_FILE),
            key: readFileSync(env.TLS_KEY_FILE),
            minVersion: 'TLSv1.3' as const,
          }
        : null;

    const adapter = new FastifyAdapter({
      bodyLimit: INFERENCE_BODY_LIMIT_BYTES,
      requestIdHeader: false,
      trustProxy: (_address: string, hop: number) => hop < env.TRUSTED_PROXY_HOPS,
      genReqId: (request: IncomingMessage) =>
        requestIdFrom(request.headers['x-request-id'], randomUUID),
      ...(https ? { https } : {}),
      // A request Node cannot parse (a control character in a header, say) never reaches a route;
      // it still gets an answer with a code.
      clientErrorHandler: (_error: Error, socket: Duplex) => {
        if (socket.writable) socket.end(MALFORMED_HTTP_RESPONSE);
      },
    });

    const app = await NestFactory.create<NestFastifyApplication>(
      GatewayModule.register(env, { connection, registry, logger }),
      adapter,
      { logger: new NestLoggerAdapter(logger), abortOnError: false },
    );

    // Every line logged while a request is served names it and, once authenticated, its tenant.
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (request, _reply, done) => {
        const context = () => ({ requestId: request.id, tenantId: principalOf(request)?.tenantId });

        runWithLogContext(context, done);
      });
    observeHttp(app.getHttpAdapter().getInstance(), registry, logger);
    requireJsonBodies(app.getHttpAdapter().getInstance());
    limitDashboardBodies(app.getHttpAdapter().getInstance());

    await app.listen(env.PORT, env.HOST);
    logger.info({ url: await app.getUrl() }, 'gateway listening');

    return {
      stop: async () => {
        // Closing waits for requests in flight; a keep-alive connection that goes idle after its
        // last answer is closed at once instead of holding the process until its timeout.
        const server = app.getHttpServer() as Server;
        const sweep = setInterval(() => server.closeIdleConnections(), 100);

        await app.close().finally(() => clearInterval(sweep));
        await connection.drain();
      },
    };
  },
  { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
);
