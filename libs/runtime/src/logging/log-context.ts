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
