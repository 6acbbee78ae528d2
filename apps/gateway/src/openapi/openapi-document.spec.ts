import { z } from 'zod';

import { buildOpenApiDocument, openApiPath } from './openapi-document';
import { undocumentedRoutes } from './registered-routes';
import type { RouteDescription } from './route-description';

const ROUTE: RouteDescription = {
  method: 'PATCH',
  path: '/things/:thingId',
  summary: 'change a thing',
  tag: 'dashboard',
  auth: 'dashboard',
  requestBody: z.strictObject({ name: z.string().min(1) }),
  responses: [{ status: 200, description: 'the thing', schema: z.object({ id: z.string() }) }],
  errors: ['unknown_field', 'invalid_field', 'unauthenticated', 'version_conflict'],
};

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument([ROUTE], '1.2.3');
  const operation = document.paths['/things/{thingId}']?.patch as {
    requestBody: { content: { 'application/json': { schema: Record<string, unknown> } } };
    responses: Record<string, { 'x-error-codes'?: string[] }>;
    security: unknown[];
    operationId: string;
  };

  it('derives the request schema from the zod schema, unknown fields refused', () => {
    expect(operation.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string', minLength: 1 } },
      required: ['name'],
      additionalProperties: false,
    });
  });

  it('groups the error codes by their HTTP status', () => {
    expect(operation.responses['400']?.['x-error-codes']).toEqual([
      'unknown_field',
      'invalid_field',
    ]);
    expect(operation.responses['401']?.['x-error-codes']).toEqual(['unauthenticated']);
    expect(operation.responses['412']?.['x-error-codes']).toEqual(['version_conflict']);
    expect(operation.security).toEqual([{ dashboardJwt: [] }]);
    expect(operation.operationId).toBe('patchThingsThingId');
  });

  it('refuses to describe one route twice', () => {
    expect(() => buildOpenApiDocument([ROUTE, ROUTE], '1')).toThrow('described twice');
  });

  it('finds registered routes that are not described, ignoring HEAD twins', () => {
    const registered = [
      { method: 'PATCH', path: '/things/:thingId' },
      { method: 'HEAD', path: '/things/:thingId' },
      { method: 'DELETE', path: '/things/:thingId' },
    ];

    expect(openApiPath('/a/:b/c/:d')).toBe('/a/{b}/c/{d}');
    expect(undocumentedRoutes(registered, document)).toEqual(['DELETE /things/:thingId']);
  });
});
