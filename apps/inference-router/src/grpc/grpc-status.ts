import { Metadata, status, type StatusObject } from '@grpc/grpc-js';

import { type ErrorCode, ServiceError } from '@liya/contracts';

const STATUS_OF: Partial<Record<ErrorCode, status>> = {
  invalid_request: status.INVALID_ARGUMENT,
  invalid_field: status.INVALID_ARGUMENT,
  unknown_field: status.INVALID_ARGUMENT,
  provider_bad_request: status.INVALID_ARGUMENT,
  no_usable_provider: status.FAILED_PRECONDITION,
  provider_key_rejected: status.FAILED_PRECONDITION,
  provider_endpoint_refused: status.FAILED_PRECONDITION,
  provider_rate_limited: status.RESOURCE_EXHAUSTED,
  provider_timeout: status.DEADLINE_EXCEEDED,
  provider_unavailable: status.UNAVAILABLE,
  provider_server_error: status.UNAVAILABLE,
  managed_provider_unavailable: status.UNAVAILABLE,
  dependency_unavailable: status.UNAVAILABLE,
};

/**
 * Our error as a gRPC status: the code family in the status, our machine-readable code and retry
 * hint in the trailers (`liya-error-code`, `retry-after`), our own message as the details.
 */
export function toGrpcStatus(error: unknown): Partial<StatusObject> {
  const serviceError =
    error instanceof ServiceError
      ? error
      : new ServiceError('internal_error', 'the request failed; see the service logs');

  const metadata = new Metadata();

  metadata.set('liya-error-code', serviceError.code);
  if (serviceError.retryAfterSeconds !== undefined) {
    metadata.set('retry-after', String(serviceError.retryAfterSeconds));
  }

  return {
    code: STATUS_OF[serviceError.code] ?? status.INTERNAL,
    details: serviceError.message,
    metadata,
  };
}
