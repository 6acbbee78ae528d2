import type { FastifyRequest } from 'fastify';

import type { RequestMeta } from '@liya/contracts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's request id is kept when it is a plain token; otherwise one is made for it. */
export function requestIdFrom(
  header: string | string[] | undefined,
  fallback: () => string,
): string {
  const value = Array.isArray(header) ? header[0] : header;

  return value && REQUEST_ID.test(value) ? value : fallback();
}

/** The client's address is the peer's, or X-Forwarded-For's within TRUSTED_PROXY_HOPS. */
export function requestMetaOf(request: FastifyRequest): RequestMeta {
  const userAgent = request.headers['user-agent'];

  return {
    requestId: request.id,
    sourceIp: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
  };
}
