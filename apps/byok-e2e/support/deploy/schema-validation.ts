import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Problems kubernetes-models finds in the objects, one line each; empty when all are valid. */
export function schemaProblems(objects: unknown[]): string[] {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-objects.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    timeout: 60_000,
  });

  if (result.error) throw result.error;
  if (result.status !== 0 && !result.stdout) {
    throw new Error(`the schema validator failed: ${result.stderr.trim()}`);
  }

  return result.stdout.split('\n').filter(Boolean);
}
