import type { z } from 'zod';

import type { ErrorCode } from '@liya/contracts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteParameter {
  name: string;
  in: 'query' | 'header';
  description: string;
  required?: boolean;
  schema: z.ZodType;
}

export interface RouteResponse {
  status: number;
  description: string;
  /** JSON body; omitted for bodies that are not JSON (see contentType). */
  schema?: z.ZodType;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * One HTTP route as the OpenAPI document shows it. Schemas are the zod schemas the route
 * validates with, so the document cannot drift from the code that enforces it.
 */
export interface RouteDescription {
  method: HttpMethod;
  /** As registered with Fastify: `/dashboard/account/config`, `:name` for path parameters. */
  path: string;
  summary: string;
  description?: string;
  tag: 'dashboard' | 'inference' | 'operations';
  /** `dashboard`: a dashboard JWT as bearer token; `none`: probes, metrics, this document. */
  auth: 'dashboard' | 'none';
  parameters?: RouteParameter[];
  requestBody?: z.ZodType;
  responses: RouteResponse[];
  /** Every error code the route can answer with; the document groups them by HTTP status. */
  errors: readonly ErrorCode[];
  /** The OpenAI-compatible routes answer errors in OpenAI's shape. */
  errorShape?: 'dashboard' | 'openai';
}
