import { type ErrorCode, statusOf } from './error-codes';

/** The wire form of an error: what crosses the bus and what the gateway answers with. */
export interface ServiceErrorBody {
  code: ErrorCode;
  message: string;
  status: number;
  field?: string;
  retryAfterSeconds?: number;
}

/**
 * The one exception type the services throw on purpose. Its message is written by us, never copied
 * from input or from a provider, so it is safe to log and to return.
 */
export class ServiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field?: string;
  readonly retryAfterSeconds?: number;

  constructor(
    code: ErrorCode,
    message: string,
    details: { field?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
    this.status = statusOf(code);
    this.field = details.field;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  static fromBody(body: ServiceErrorBody): ServiceError {
    return new ServiceError(body.code, body.message, {
      field: body.field,
      retryAfterSeconds: body.retryAfterSeconds,
    });
  }

  toBody(): ServiceErrorBody {
    const body: ServiceErrorBody = { code: this.code, message: this.message, status: this.status };

    if (this.field !== undefined) body.field = this.field;
    if (this.retryAfterSeconds !== undefined) body.retryAfterSeconds = this.retryAfterSeconds;

    return body;
  }
}
