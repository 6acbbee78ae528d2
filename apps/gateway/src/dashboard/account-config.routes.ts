import { z } from 'zod';

import { configPatchBodySchema, providerConfigViewSchema } from '@liya/contracts';

import type { RouteDescription } from '../openapi/route-description';

const ETAG = 'the configuration version, quoted; send it back as If-Match';

export const ACCOUNT_CONFIG_ROUTES: RouteDescription[] = [
  {
    method: 'GET',
    path: '/dashboard/account/config',
    summary: 'The redacted provider configuration of the token tenant',
    description: 'No key is returned in any form: not masked, truncated, hashed or as a length.',
    tag: 'dashboard',
    auth: 'dashboard',
    responses: [
      {
        status: 200,
        description: 'the redacted view',
        schema: providerConfigViewSchema,
        headers: { etag: ETAG },
      },
    ],
    errors: ['unauthenticated', 'dependency_unavailable', 'internal_error'],
  },
  {
    method: 'PATCH',
    path: '/dashboard/account/config',
    summary: 'Change the provider configuration (owner or admin)',
    description:
      'Merge semantics: only the named fields change and null removes a field. ' +
      'mode "liya_managed" erases every stored key. mode "byok" needs a usable provider and ' +
      'the Growth or Enterprise plan. Bodies are limited to 64 KiB.',
    tag: 'dashboard',
    auth: 'dashboard',
    parameters: [
      {
        name: 'If-Match',
        in: 'header',
        description: 'write only if the configuration is still at this version',
        schema: z.string(),
      },
    ],
    requestBody: configPatchBodySchema,
    responses: [
      {
        status: 200,
        description: 'the redacted view after the change',
        schema: providerConfigViewSchema,
        headers: { etag: ETAG },
      },
    ],
    errors: [
      'malformed_json',
      'invalid_request',
      'unknown_field',
      'invalid_field',
      'empty_patch',
      'conflicting_fields',
      'byok_mode_required',
      'invalid_if_match',
      'crypto_invalid_input',
      'unauthenticated',
      'forbidden_role',
      'plan_not_eligible',
      'version_conflict',
      'payload_too_large',
      'unsupported_media_type',
      'no_usable_provider',
      'dependency_unavailable',
      'internal_error',
    ],
  },
];
