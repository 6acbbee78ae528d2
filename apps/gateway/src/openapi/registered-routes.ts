import type { FastifyInstance, RouteOptions } from 'fastify';

import { type OpenApiDocument, openApiPath } from './openapi-document';

export interface RegisteredRoute {
  method: string;
  path: string;
}

/** Records every route Fastify registers from now on; call before the application initialises. */
export function recordRoutes(server: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];

  server.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: method.toUpperCase(), path: route.url });
  });

  return routes;
}

/**
 * Registered routes the document does not describe. HEAD routes are Fastify's automatic twins of
 * GET routes and are left out.
 */
export function undocumentedRoutes(
  registered: readonly RegisteredRoute[],
  document: OpenApiDocument,
): string[] {
  return registered
    .filter((route) => route.method !== 'HEAD')
    .filter((route) => !document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()])
    .map((route) => `${route.method} ${route.path}`);
}
