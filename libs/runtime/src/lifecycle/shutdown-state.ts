let stopping = false;

/** Marks the process as stopping: readiness fails from now on, so no new work is routed here. */
export function markStopping(): void {
  stopping = true;
}

export function isStopping(): boolean {
  return stopping;
}
