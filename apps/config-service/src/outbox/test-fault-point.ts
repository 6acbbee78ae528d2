import { existsSync, rmSync } from 'node:fs';

/**
 * Test-only fault point: when armed, the process kills itself with SIGKILL after outbox events
 * were committed and claimed but before any is published, the crash the outbox must survive. The
 * end-to-end suite arms it by creating the file named in the settings (honoured only with
 * NODE_ENV=test); firing removes the file, so the restarted process runs normally.
 */
export function crashIfArmed(armingFile: string | undefined): void {
  if (!armingFile || !existsSync(armingFile)) return;

  rmSync(armingFile, { force: true });
  process.kill(process.pid, 'SIGKILL');
}
