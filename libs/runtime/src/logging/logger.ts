import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

import { scrubRecord, scrubSecrets } from './scrub-secrets';

// Field names that can hold key material; redacted at any of the first levels of a log record.
const SENSITIVE_FIELDS = [
  'authorization',
  'Authorization',
  'apiKey',
  'api_key',
  'plaintext',
  'ciphertext',
  'secret',
  'password',
  'openai_api_key',
  'anthropic_api_key',
  'azure_openai_key',
  'x-api-key',
  'api-key',
  'masterKey',
  'MASTER_KEY',
  'key',
  'body',
  'patch',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const field of SENSITIVE_FIELDS) {
    const accessor = /^[A-Za-z_][A-Za-z0-9_]*$/.test(field) ? `.${field}` : `["${field}"]`;

    paths.push(field.includes('-') ? `["${field}"]` : field);
    paths.push(`*${accessor}`, `*.*${accessor}`, `*.*.*${accessor}`);
  }

  return paths;
}

export type AppLogger = Logger;

/**
 * JSON logger for one service. Redaction is a property of the logger: known secret-bearing fields
 * are censored by name, and every string that is written is scrubbed of secret-shaped text.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): AppLogger {
  return pino({
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths(), censor: '[redacted]' },
    formatters: {
      level: (label) => ({ level: label }),
      log: (record) => scrubRecord(record) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg));

        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: { err: serializeError },
  });
}

/** Errors are logged by class, code and a scrubbed message; never with their own properties. */
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

/** Lets NestJS write its own lines through the service logger. */
export class NestLoggerAdapter implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    const stack = trace ? scrubSecrets(trace) : undefined;

    this.logger.error({ context, stack }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

/** Injection token of the service's logger. */
export const APP_LOGGER = Symbol('APP_LOGGER');
