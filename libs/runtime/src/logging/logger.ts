import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

import { currentLogContext } from './log-context';
import { redactValue, serializeError } from './redaction';
import { scrubSecrets } from './scrub-secrets';

export type AppLogger = Logger;

type LogArguments = Parameters<Logger['info']>;

// The first argument may be an error or an object of fields; whatever follows is the message and
// its interpolation values. Every part is redacted before pino formats it.
function redactArguments(args: unknown[]): unknown[] {
  const [first, ...rest] = args;

  if (first instanceof Error) {
    const message = rest.length > 0 ? rest : [first.message];

    return [{ err: serializeError(first) }, ...message.map((part) => redactValue(part))];
  }

  return args.map((arg) => redactValue(arg));
}

/**
 * JSON logger for one service. Redaction is a property of the logger: fields whose names can hold
 * key material are censored at any depth, errors are reduced to a scrubbed message, and every
 * string written is scrubbed of secret-shaped text. Lines written while a request is served carry
 * its request id and tenant id.
 */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): AppLogger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => ({ ...currentLogContext() }),
    formatters: {
      level: (label) => ({ level: label }),
      log: (record) => redactValue(record) as Record<string, unknown>,
    },
    // Errors are already reduced by the redaction above; pino's own serializer would undo that.
    serializers: { err: (value: unknown) => value },
    hooks: {
      logMethod(args, method) {
        method.apply(this, redactArguments(args) as LogArguments);
      },
    },
  };

  const logger = destination ? pino(options, destination) : pino(options);
  const child = logger.child;

  // Children inherit from their parent, so this one override covers every generation of them.
  logger.child = function redactedChild(this: AppLogger, bindings, childOptions) {
    return child.call(this, redactValue(bindings) as pino.Bindings, childOptions);
  } as AppLogger['child'];

  return logger;
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
