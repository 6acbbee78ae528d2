import { z } from 'zod';

import { type ErrorCode, statusOf } from '@liya/contracts';

import type { RouteDescription, RouteParameter } from './route-description';

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, unknown>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, JsonSchema> };
}

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // Refinements (key patterns, Azure hosts) cannot be expressed; the message of a 400 names them.
  return z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any' });
}

/** Fastify's `/a/:id` is OpenAPI's `/a/{id}`. */
export function openApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const dashboardErrorSchema: JsonSchema = {
  type: 'object',
  required: ['code', 'message', 'requestId'],
  properties: {
    code: { type: 'string', description: 'machine-readable; the error codes listed per route' },
    message: { type: 'string', description: 'for people; names the field, never a secret' },
    field: { type: 'string', description: 'the request field at fault, when there is one' },
    requestId: { type: 'string', description: 'also in the x-request-id response header' },
    errorId: { type: 'string', description: 'for unexpected errors: quote it to support' },
  },
};

const openAiErrorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string', enum: ['invalid_request_error', 'server_error'] },
        code: { type: 'string' },
        param: { type: 'string', nullable: true },
      },
    },
  },
};

// Every answer names its request, the caller's own id when it sent a plain one.
const REQUEST_ID_HEADER = {
  'x-request-id': { description: 'the request id, also in the logs', schema: { type: 'string' } },
};

const RETRY_AFTER_HEADER = {
  'retry-after': { description: 'seconds to wait before retrying', schema: { type: 'integer' } },
};

function errorResponses(route: RouteDescription): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of route.errors) {
    const status = statusOf(code);

    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }

  const schemaName = route.errorShape === 'openai' ? 'OpenAiError' : 'Error';
  const responses: Record<string, unknown> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `codes: ${codes.join(', ')}`,
      'x-error-codes': codes,
      headers: {
        ...REQUEST_ID_HEADER,
        ...(status === 429 || status === 503 ? RETRY_AFTER_HEADER : {}),
      },
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName}` } } },
    };
  }

  return responses;
}

/** `PATCH /dashboard/account/config` is `patchDashboardAccountConfig`. */
function operationIdOf(route: RouteDescription): string {
  const words = route.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const camel = words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('');

  return `${route.method.toLowerCase()}${camel}`;
}

function parameterOf(parameter: RouteParameter): Record<string, unknown> {
  return {
    name: parameter.name,
    in: parameter.in,
    description: parameter.description,
    required: parameter.required ?? false,
    schema: jsonSchemaOf(parameter.schema, 'input'),
  };
}

function operationOf(route: RouteDescription): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const response of route.responses) {
    const contentType = response.contentType ?? 'application/json';
    const headers = Object.fromEntries(
      Object.entries(response.headers ?? {}).map(([name, description]) => [
        name,
        { description, schema: { type: 'string' } },
      ]),
    );

    responses[String(response.status)] = {
      description: response.description,
      headers: { ...REQUEST_ID_HEADER, ...headers },
      content: {
        [contentType]: {
          schema: response.schema ? jsonSchemaOf(response.schema, 'output') : { type: 'string' },
        },
      },
    };
  }

  return {
    operationId: operationIdOf(route),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: route.auth === 'dashboard' ? [{ dashboardJwt: [] }] : [],
    ...(route.parameters ? { parameters: route.parameters.map(parameterOf) } : {}),
    ...(route.requestBody
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchemaOf(route.requestBody, 'input') } },
          },
        }
      : {}),
    responses: { ...responses, ...errorResponses(route) },
  };
}

/** The OpenAPI 3 document of the gateway, built from the route catalog. */
export function buildOpenApiDocument(
  routes: readonly RouteDescription[],
  version: string,
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const method = route.method.toLowerCase();
    if (paths[path]?.[method]) throw new Error(`${route.method} ${route.path} is described twice`);

    paths[path] = { ...paths[path], [method]: operationOf(route) };
  }

  return {
    openapi: '3.0.3',
    info: {
      title: 'Liya Engine gateway',
      version,
      description:
        'Bring-your-own-key configuration for the dashboard, the OpenAI-compatible inference ' +
        'endpoint, and the operational probes. Dashboard errors answer the Error schema; ' +
        '/v1 routes answer OpenAI-shaped errors. Unknown routes answer 404 not_found.',
    },
    paths,
    components: {
      securitySchemes: {
        dashboardJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'claims sub, tenant_id, role, plan; exp, iss and aud are checked',
        },
      },
      schemas: { Error: dashboardErrorSchema, OpenAiError: openAiErrorSchema },
    },
  };
}
