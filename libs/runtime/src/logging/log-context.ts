import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while serving one request carries. */
export interface LogContext {
  requestId?: string;
  tenantId?: string;
}

type ContextSource = LogContext | (() => LogContext);

const storage = new AsyncLocalStorage<ContextSource>();

/**
 * Runs `work` with a request's ids attached to every line it logs, across awaits. A function is
 * read at each line, so a tenant learnt after authentication shows up from then on.
 */
export function runWithLogContext<T>(context: ContextSource, work: () => T): T {
  return storage.run(context, work);
}

/** The ids of the request being served, without unset fields; empty outside any request. */
export function currentLogContext(): LogContext {
  const source = storage.getStore();
  if (!source) return {};

  const context = typeof source === 'function' ? source() : source;
  const present: LogContext = {};
  if (context.requestId) present.requestId = context.requestId;
  if (context.tenantId) present.tenantId = context.tenantId;

  return present;
}

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

function idOf(value: unknown): string | undefined {
  return typeof value === 'string' && ID.test(value) ? value : undefined;
}

/**
 * The ids a bus request names: `tenantId`, and `requestId` at the top or in `meta`. Only plain
 * tokens are taken, so nothing a caller typed reaches a log line through them.
 */
export function requestLogContextOf(payload: Uint8Array | string): LogContext {
  try {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    const request = JSON.parse(text) as Record<string, unknown> | null;
    if (typeof request !== 'object' || request === null) return {};

    const meta = request.meta as Record<string, unknown> | undefined;

    return {
      requestId: idOf(request.requestId) ?? idOf(meta?.requestId),
      tenantId: idOf(request.tenantId),
    };
  } catch {
    return {};
  }
}
