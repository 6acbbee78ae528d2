import { randomUUID } from 'node:crypto';

import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { type ErrorCode, ServiceError } from '@liya/contracts';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

// Fastify's own failures while reading a body, in our codes.
const FASTIFY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed_json', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'malformed_json', message: 'the JSON body is empty' },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'payload_too_large',
    message: 'the body is over 768 KiB, the limit for inference requests',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: 'the body must be application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'invalid_request',
    message: 'the content length does not match the body',
  },
};

const HTTP_STATUS_CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

function toServiceError(exception: unknown): ServiceError | undefined {
  if (exception instanceof ServiceError) return exception;

  // NestJS wraps Fastify's body errors in an HttpException whose cause is the original.
  const original = exception instanceof HttpException ? (exception.cause ?? exception) : exception;
  const fastifyCode = (original as { code?: unknown })?.code;
  if (typeof fastifyCode === 'string' && FASTIFY_ERRORS[fastifyCode]) {
    const known = FASTIFY_ERRORS[fastifyCode];

    return new ServiceError(known.code, known.message);
  }

  if (original instanceof SyntaxError) {
    return new ServiceError('malformed_json', 'the body is not valid JSON');
  }

  if (exception instanceof HttpException) {
    const code = HTTP_STATUS_CODES[exception.getStatus()];
    if (code === 'not_found') return new ServiceError(code, 'no such route');
    if (code) return new ServiceError(code, 'the request is not valid');
  }

  return undefined;
}

/**
 * Every error leaves the gateway as a code and a message of ours. Dashboard routes answer
 * `{ code, message, field, requestId }`; the OpenAI-compatible routes answer OpenAI's shape.
 * Unexpected errors get a fixed message and an errorId that is also in the log line.
 */
@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  constructor(@Inject(APP_LOGGER) private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();

    let error = toServiceError(exception);
    let errorId: string | undefined;

    if (!error) {
      errorId = randomUUID();
      this.logger.error(
        { requestId: request.id, errorId, err: serializeError(exception) },
        'request failed unexpectedly',
      );
      error = new ServiceError(
        'internal_error',
        'the request failed; quote the errorId to support',
      );
    }

    if (error.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(error.retryAfterSeconds));
    }

    const openAiShape = (request.url ?? '').startsWith('/v1/');
    const body = openAiShape
      ? {
          error: {
            message: error.message,
            type: error.status >= 500 ? 'server_error' : 'invalid_request_error',
            code: error.code,
            param: error.field ?? null,
          },
        }
      : {
          code: error.code,
          message: error.message,
          field: error.field,
          requestId: request.id,
          errorId,
        };

    void reply.status(error.status).send(body);
  }
}
