import { type AppLogger, createLogger } from '../logging/logger';
import { serializeError } from '../logging/redaction';
import { scrubSecrets } from '../logging/scrub-secrets';
import { markStopping } from './shutdown-state';

export interface RunningService {
  /** Stops taking work, finishes what is in flight, closes connections. */
  stop(): Promise<void>;
}

export interface RunServiceOptions {
  /** How long in-flight work may take to finish after SIGTERM before the process gives up. */
  shutdownTimeoutMs?: number;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

// The logger exists before the schema is checked; a bad level is then reported by the schema.
function logLevelFrom(value: string | undefined): string {
  return value && LEVELS.has(value) ? value : 'info';
}

/**
 * Starts a service and owns its process lifecycle: a start that fails prints one line naming the
 * cause and exits non-zero; SIGTERM or SIGINT stops the service within a bound, then exits.
 */
export function runService(
  service: string,
  start: (logger: AppLogger) => Promise<RunningService>,
  options: RunServiceOptions = {},
): void {
  const logger = createLogger(service, logLevelFrom(process.env.LOG_LEVEL));
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 25_000;

  // Node's own crash report prints the error's message and the offending source line; a key that
  // reached an exception would be written out. A crash is logged through the scrubbing logger.
  const crash = (error: unknown) => {
    logger.fatal({ err: serializeError(error) }, 'crashed');
    process.exit(1);
  };

  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  start(logger).then(
    (running) => {
      let stopping = false;

      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        markStopping();
        logger.info({ signal, shutdownTimeoutMs }, 'shutting down');

        const forced = setTimeout(() => {
          logger.error({ shutdownTimeoutMs }, 'shutdown took too long; exiting');
          process.exit(1);
        }, shutdownTimeoutMs);

        forced.unref();

        running.stop().then(
          () => {
            logger.info('stopped');
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ err: serializeError(error) }, 'shutdown failed');
            process.exit(1);
          },
        );
      };

      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    },
    (error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);

      process.stderr.write(`${service}: cannot start: ${scrubSecrets(reason)}\n`);
      process.exit(1);
    },
  );
}
