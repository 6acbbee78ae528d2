import { SCRUBBED, scrubSecrets } from './scrub-secrets';

// Field and header names that carry key material, compared without case or separators, so
// `x-api-key`, `apiKey` and `API_KEY` are one name. Exact names first, then name endings.
const SENSITIVE_NAMES = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'key',
  'apikey',
  'xapikey',
  'token',
  'secret',
  'password',
  'passwd',
  'pass',
  'credentials',
  'plaintext',
  'ciphertext',
  'body',
  'patch',
]);

const SENSITIVE_ENDINGS = [
  'apikey',
  'openaikey',
  'subscriptionkey',
  'masterkey',
  'privatekey',
  'accesstoken',
  'refreshtoken',
  'secret',
  'password',
  'authorization',
  'plaintext',
  'ciphertext',
];

const MAX_DEPTH = 8;

export function isSensitiveName(name: string): boolean {
  const normalized = name.toLowerCase().replace(/[^a-z0-9]/g, '');

  return (
    SENSITIVE_NAMES.has(normalized) ||
    SENSITIVE_ENDINGS.some((ending) => normalized.endsWith(ending))
  );
}

/** Errors are written by class, code and a scrubbed message; never with their own properties. */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };

  const code = (error as { code?: unknown }).code;

  return {
    type: error.name,
    code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
    message: scrubSecrets(error.message),
    stack: error.stack ? scrubSecrets(error.stack) : undefined,
  };
}

/**
 * A copy of a log value that is safe to write: sensitive names censored at any depth, errors
 * reduced to their serialized form, every string scrubbed of secret-shaped text.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value instanceof Error) return serializeError(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return SCRUBBED;

  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return SCRUBBED;

  const copy: Record<string, unknown> = {};
  const entries =
    value instanceof Map
      ? [...value.entries()].map(([k, v]) => [String(k), v])
      : Object.entries(value);
  for (const [name, item] of entries) {
    copy[name] = isSensitiveName(name) && item != null ? SCRUBBED : redactValue(item, depth + 1);
  }

  return copy;
}
