import type { FastifyInstance } from 'fastify';

import { ServiceError } from '@liya/contracts';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** Requests that carry a body must say it is JSON; anything else is refused before parsing. */
export function requireJsonBodies(server: FastifyInstance): void {
  server.addHook('onRequest', async (request) => {
    if (!['POST', 'PATCH', 'PUT'].includes(request.method)) return;

    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      Number(request.headers['content-length'] ?? 0) > 0;
    if (hasBody && !JSON_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new ServiceError('unsupported_media_type', 'the body must be application/json');
    }
  });
}
