import { Transform } from 'node:stream';

import type { FastifyInstance } from 'fastify';

import { ServiceError } from '@liya/contracts';

/** Dashboard bodies are a few settings; anything larger is refused before it is parsed. */
export const DASHBOARD_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Chat prompts can be long. They cross the bus inside one NATS message, whose limit is 1 MB, so
 * the gateway keeps room for the envelope around the body.
 */
export const INFERENCE_BODY_LIMIT_BYTES = 768 * 1024;

function tooLarge(): ServiceError {
  return new ServiceError('payload_too_large', 'the body is over 64 KiB');
}

/**
 * Holds dashboard routes to their smaller limit, whether the client declares its length or
 * streams the body in chunks; the server-wide limit covers the inference routes.
 */
export function limitDashboardBodies(server: FastifyInstance): void {
  server.addHook('preParsing', async (request, _reply, payload) => {
    if (!request.url.startsWith('/dashboard/')) return payload;

    if (Number(request.headers['content-length'] ?? 0) > DASHBOARD_BODY_LIMIT_BYTES) {
      throw tooLarge();
    }

    let received = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done(received > DASHBOARD_BODY_LIMIT_BYTES ? tooLarge() : null, chunk);
      },
    });

    payload.on('error', (error) => counted.destroy(error));

    return payload.pipe(counted);
  });
}
