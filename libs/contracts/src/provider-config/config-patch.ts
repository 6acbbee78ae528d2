import { z } from 'zod';

import { ServiceError } from '../errors/service-error';
import { checkEndpointShape } from './azure-endpoint';
import { AZURE_REGION_NAMES } from './azure-regions';

export const MAX_SECRET_LENGTH = 512;

// Printable ASCII without spaces: no provider issues keys with anything else, and rejecting
// control characters keeps a pasted key from smuggling header or log injection.
const SECRET_PATTERN = /^[\x21-\x7e]+$/;
const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const secret = z
  .string()
  .max(MAX_SECRET_LENGTH)
  .regex(SECRET_PATTERN)
  .describe('write-only: stored encrypted, never returned; null removes it');
const identifier = z.string().regex(IDENTIFIER_PATTERN);

// The shape only; which hosts are accepted is the configuration service's allow-list decision.
const endpoint = z
  .string()
  .max(2048)
  .superRefine((raw, context) => {
    const verdict = checkEndpointShape(raw);
    if (!verdict.ok) context.addIssue({ code: 'custom', params: { rule: verdict.reason } });
  })
  .describe(
    'https URL of an Azure OpenAI resource under openai.azure.com, cognitiveservices.azure.com, ' +
      'openai.azure.us or openai.azure.cn; no path, query, fragment or credentials',
  );

export const providerConfigPatchSchema = z.strictObject({
  mode: z.enum(['byok', 'liya_managed']).optional(),
  openai_api_key: secret.nullable().optional(),
  openai_organization: identifier.nullable().optional(),
  anthropic_api_key: secret.nullable().optional(),
  azure_openai_endpoint: endpoint.nullable().optional(),
  azure_openai_key: secret.nullable().optional(),
  azure_openai_deployment_id: identifier.max(64).nullable().optional(),
  azure_openai_region: z.enum(AZURE_REGION_NAMES).nullable().optional(),
});

export type ProviderConfigPatch = z.infer<typeof providerConfigPatchSchema>;

export const configPatchBodySchema = z.strictObject({ providerConfig: providerConfigPatchSchema });

export type ConfigPatchBody = z.infer<typeof configPatchBodySchema>;

const FIELD_RULES: Record<string, string> = {
  providerConfig: 'must be an object',
  mode: 'must be "byok" or "liya_managed"',
  openai_api_key: `must be 1-${MAX_SECRET_LENGTH} printable characters without spaces, or null`,
  anthropic_api_key: `must be 1-${MAX_SECRET_LENGTH} printable characters without spaces, or null`,
  azure_openai_key: `must be 1-${MAX_SECRET_LENGTH} printable characters without spaces, or null`,
  openai_organization: 'must be an organization id (letters, digits, . _ -), or null',
  azure_openai_endpoint: 'must be an Azure OpenAI endpoint URL, or null',
  azure_openai_deployment_id: 'must be a deployment id (letters, digits, . _ -), or null',
  azure_openai_region: 'must be a known Azure region name such as "eastus", or null',
};

// A field name is only repeated back when it looks like one; a client that put a key where a
// field name belongs must not see it echoed.
const SAFE_FIELD_NAME = /^[a-z][a-zA-Z_]{0,39}$/;

function describeField(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * Validates a PATCH body and turns the first problem into a ServiceError whose message names the
 * field and the rule, and never the submitted value.
 */
export function parseConfigPatchBody(body: unknown): ConfigPatchBody {
  const result = configPatchBodySchema.safeParse(body);
  if (!result.success) {
    // An unknown field explains the other problems best: often it is a misspelt known one.
    const issues = result.error.issues;
    throw toValidationError(
      issues.find((issue) => issue.code === 'unrecognized_keys') ?? issues[0],
    );
  }

  const patch = result.data.providerConfig;
  if (Object.keys(patch).length === 0) {
    throw new ServiceError('empty_patch', 'providerConfig must name at least one field', {
      field: 'providerConfig',
    });
  }

  return result.data;
}

function toValidationError(issue: z.core.$ZodIssue | undefined): ServiceError {
  if (!issue) return new ServiceError('invalid_request', 'the request body is not valid');

  if (issue.code === 'unrecognized_keys') {
    const unknownKey = issue.keys[0] ?? '';
    const parent = describeField(issue.path);
    const named = SAFE_FIELD_NAME.test(unknownKey) ? `"${unknownKey}"` : 'a field';
    const where = parent ? ` in ${parent}` : '';

    return new ServiceError('unknown_field', `${named}${where} is not a known field`, {
      field: SAFE_FIELD_NAME.test(unknownKey)
        ? [parent, unknownKey].filter(Boolean).join('.')
        : parent,
    });
  }

  const field = describeField(issue.path);
  if (field === '') {
    return new ServiceError('invalid_request', 'the request body must be a JSON object');
  }

  const leaf = String(issue.path[issue.path.length - 1]);
  const ownRule = issue.code === 'custom' ? (issue.params as { rule?: string })?.rule : undefined;
  const rule = ownRule ?? FIELD_RULES[leaf] ?? 'is not valid';

  return new ServiceError('invalid_field', `${field} ${rule}`, { field });
}
