import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Development secrets kept in the checkout's ignored tmp/ folder, so that keys stored in one run
 * still decrypt in the next and tokens minted by `npm run token` match the running gateway.
 * Production never uses these: the master key comes from a mounted Secret.
 */
export function devSecret(rootDir: string, name: 'master-key' | 'jwt-secret'): string {
  const directory = join(rootDir, 'tmp');
  const path = join(directory, `dev-${name}`);

  if (!existsSync(path)) {
    mkdirSync(directory, { recursive: true });
    writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600 });
  }

  return readFileSync(path, 'utf8').trim();
}

export function repositoryRoot(): string {
  return join(__dirname, '..', '..', '..', '..');
}
