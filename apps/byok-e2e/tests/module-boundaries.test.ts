import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const NX_ENV = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };

interface LintMessage {
  ruleId: string | null;
  message: string;
}

// ESLint runs as its own process, as in `npm run lint`: its config loader needs native ESM.
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'eslint'),
    ['--format', 'json', '--stdin', '--stdin-filename', join(ROOT, filePath)],
    { cwd: ROOT, env: NX_ENV, input: code, encoding: 'utf8' },
  );
  const [result] = JSON.parse(eslint.stdout) as Array<{ messages: LintMessage[] }>;

  return (result?.messages ?? [])
    .filter((message) => message.ruleId === '@nx/enforce-module-boundaries')
    .map((message) => message.message);
}

describe('module boundaries', () => {
  beforeAll(() => {
    // The lint rule reads Nx's project graph; without one it would silently skip.
    execFileSync(join(ROOT, 'node_modules', '.bin', 'nx'), ['show', 'projects'], {
      cwd: ROOT,
      env: NX_ENV,
      stdio: 'ignore',
    });
  });

  it('refuses the crypto core in the gateway', async () => {
    const errors = await boundaryErrors(
      'apps/gateway/src/probe.ts',
      "import { KeyRing } from '@liya/crypto-core';\nexport const probe = KeyRing;\n",
    );

    expect(errors).toEqual([expect.stringContaining('scope:gateway')]);
  });

  it('refuses one app importing another', async () => {
    const errors = await boundaryErrors(
      'apps/inference-router/src/probe.ts',
      "import '@liya/config-service';\n",
    );

    expect(errors.length).toBeGreaterThan(0);
  });

  it('refuses the development kit in a service', async () => {
    const errors = await boundaryErrors(
      'apps/config-service/src/probe.ts',
      "import { freePort } from '@liya/dev-kit';\nexport const probe = freePort;\n",
    );

    expect(errors.length).toBeGreaterThan(0);
  });

  it('lets the crypto service use its core', async () => {
    const errors = await boundaryErrors(
      'apps/crypto-service/src/probe.ts',
      "import { KeyRing } from '@liya/crypto-core';\nexport const probe = KeyRing;\n",
    );

    expect(errors).toEqual([]);
  });
});
