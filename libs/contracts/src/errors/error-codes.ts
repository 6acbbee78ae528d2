/**
 * Machine-readable error codes and the HTTP status each one maps to at the gateway. Every error a
 * caller can see has one of these codes; the message beside it never echoes submitted secrets.
 */
export const ERROR_STATUS = {
  malformed_json: 400,
  invalid_request: 400,
  unknown_field: 400,
  invalid_field: 400,
  empty_patch: 400,
  conflicting_fields: 400,
  byok_mode_required: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthenticated: 401,
  forbidden_role: 403,
  plan_not_eligible: 403,
  not_found: 404,
  version_conflict: 412,
  invalid_if_match: 400,
  no_usable_provider: 422,
  provider_key_rejected: 502,
  provider_rate_limited: 429,
  provider_timeout: 504,
  provider_unavailable: 502,
  provider_server_error: 502,
  provider_bad_request: 400,
  provider_endpoint_refused: 422,
  managed_provider_unavailable: 503,
  dependency_unavailable: 503,
  crypto_unknown_key_version: 500,
  crypto_integrity_failure: 500,
  crypto_malformed_ciphertext: 500,
  crypto_invalid_input: 400,
  crypto_key_version_retired: 500,
  crypto_plaintext_too_large: 413,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
