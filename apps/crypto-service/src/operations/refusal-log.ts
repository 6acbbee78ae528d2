import type { AppLogger } from '@liya/runtime';

const MAX_LINES_PER_WINDOW = 20;
const WINDOW_MS = 10_000;

export interface Refusal {
  operation: string;
  code: string;
  tenantId: string;
  field: string;
}

/**
 * Warns about refusals that may mean tampering, at most MAX_LINES_PER_WINDOW lines per window:
 * a flood of forged ciphertexts must not flood the log as well. What was left out is counted in
 * the next line; the metrics count every refusal regardless.
 */
export class RefusalLog {
  private windowStart = 0;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: AppLogger,
    private readonly now: () => number = Date.now,
  ) {}

  warn(refusal: Refusal): void {
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.written = 0;
    }

    if (this.written >= MAX_LINES_PER_WINDOW) {
      this.suppressed += 1;

      return;
    }

    this.written += 1;
    const notLogged = this.suppressed;

    this.suppressed = 0;
    this.logger.warn(
      notLogged > 0 ? { ...refusal, refusalsNotLogged: notLogged } : refusal,
      'crypto operation refused',
    );
  }
}
