import { z } from 'zod';

import { chatCompletionRequestSchema } from '@liya/contracts';

import { ACCOUNT_CONFIG_ROUTES } from '../dashboard/account-config.routes';
import { HEALTH_ROUTES } from '../health/health.routes';
import type { RouteDescription } from './route-description';

// A route is described beside its controller (a `*.routes.ts` file) or by one entry below.
// The route-coverage test fails while a registered route is missing from this catalog.

const snapshot = z.object({ mode: z.string(), providers: z.array(z.string()) });

const auditEvent = z.looseObject({
  event_id: z.string(),
  action: z.string(),
  tenant_id: z.string(),
  actor_id: z.string(),
  occurred_at: z.string(),
  before: snapshot,
  after: snapshot,
  request_id: z.string(),
  source_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
});

const chatCompletion = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal('assistant'), content: z.string().nullable() }),
      finish_reason: z.string().nullable(),
    }),
  ),
});

const SERVED_BY = {
  'x-liya-provider': 'azure, anthropic or openai: the provider that served the call',
  'x-liya-key-source': 'byok or managed: whose key paid for it',
};

const AUDIT_LOG_ROUTE: RouteDescription = {
  method: 'GET',
  path: '/dashboard/account/audit-log',
  summary: 'The token tenant audit events, newest first, paged',
  tag: 'dashboard',
  auth: 'dashboard',
  parameters: [
    { name: 'limit', in: 'query', description: '1 to 100, default 20', schema: z.string() },
    {
      name: 'cursor',
      in: 'query',
      description: 'nextCursor of the previous page',
      schema: z.string(),
    },
    { name: 'action', in: 'query', description: 'only events of this action', schema: z.string() },
    { name: 'from', in: 'query', description: 'ISO-8601 instant, inclusive', schema: z.string() },
    { name: 'to', in: 'query', description: 'ISO-8601 instant, exclusive', schema: z.string() },
  ],
  responses: [
    {
      status: 200,
      description: 'one page of events; never any key material',
      schema: z.object({ events: z.array(auditEvent), nextCursor: z.string().nullable() }),
    },
  ],
  errors: [
    'invalid_field',
    'unauthenticated',
    'forbidden_role',
    'dependency_unavailable',
    'internal_error',
  ],
};

const AUDIT_VERIFY_ROUTE: RouteDescription = {
  method: 'GET',
  path: '/dashboard/account/audit-log/verify',
  summary: 'Checks the hash chain of the token tenant audit log',
  tag: 'dashboard',
  auth: 'dashboard',
  responses: [
    {
      status: 200,
      description: 'the verdict on the chain',
      schema: z.record(z.string(), z.unknown()),
    },
  ],
  errors: ['unauthenticated', 'forbidden_role', 'dependency_unavailable', 'internal_error'],
};

const KEY_VERIFICATION_ROUTE: RouteDescription = {
  method: 'POST',
  path: '/dashboard/account/config/verify',
  summary: 'Checks the stored keys against their providers (owner or admin)',
  tag: 'dashboard',
  auth: 'dashboard',
  responses: [
    {
      status: 200,
      description: 'one verdict per configured provider',
      schema: z.record(z.string(), z.unknown()),
    },
  ],
  errors: ['unauthenticated', 'forbidden_role', 'dependency_unavailable', 'internal_error'],
};

const CHAT_COMPLETIONS_ROUTE: RouteDescription = {
  method: 'POST',
  path: '/v1/chat/completions',
  summary: 'OpenAI-compatible chat completion, served with the tenant key or a managed one',
  description: 'With "stream": true the answer is server-sent events ending in data: [DONE].',
  tag: 'inference',
  auth: 'dashboard',
  requestBody: chatCompletionRequestSchema,
  responses: [
    { status: 200, description: 'the completion', schema: chatCompletion, headers: SERVED_BY },
  ],
  errors: [
    'malformed_json',
    'invalid_request',
    'unknown_field',
    'invalid_field',
    'unsupported_media_type',
    'payload_too_large',
    'unauthenticated',
    'provider_bad_request',
    'provider_endpoint_refused',
    'provider_rate_limited',
    'provider_key_rejected',
    'provider_unavailable',
    'provider_timeout',
    'managed_provider_unavailable',
    'dependency_unavailable',
    'internal_error',
  ],
  errorShape: 'openai',
};

const OPENAPI_ROUTE: RouteDescription = {
  method: 'GET',
  path: '/openapi.json',
  summary: 'This document',
  tag: 'operations',
  auth: 'none',
  responses: [
    { status: 200, description: 'OpenAPI 3 document', schema: z.record(z.string(), z.unknown()) },
  ],
  errors: [],
};

export const ROUTE_CATALOG: readonly RouteDescription[] = [
  ...ACCOUNT_CONFIG_ROUTES,
  KEY_VERIFICATION_ROUTE,
  AUDIT_LOG_ROUTE,
  AUDIT_VERIFY_ROUTE,
  CHAT_COMPLETIONS_ROUTE,
  ...HEALTH_ROUTES,
  OPENAPI_ROUTE,
];
