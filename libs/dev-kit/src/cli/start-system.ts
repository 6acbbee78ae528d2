import { startProviderStandIn } from '../stand-in/provider-stand-in';
import { launchSystem, SERVICE_NAMES, type ServiceName } from '../system/system-launcher';
import { devSecret, repositoryRoot } from './dev-secrets';

const COLORS = ['\u001b[36m', '\u001b[35m', '\u001b[33m', '\u001b[32m', '\u001b[34m'];
const RESET = '\u001b[0m';
const STAND_IN_PORT = 4010;

function prefixFor(service: ServiceName): string {
  const width = Math.max(...SERVICE_NAMES.map((name) => name.length));
  const color = process.stdout.isTTY ? COLORS[SERVICE_NAMES.indexOf(service)] : '';

  return `${color}${service.padEnd(width)}${color ? RESET : ''} |`;
}

/**
 * Development launcher: migrations, the AUDIT stream, the five services with prefixed logs.
 * Providers are played by the local stand-in unless PROVIDERS=live, which uses the public APIs
 * (or OPENAI_BASE_URL / ANTHROPIC_BASE_URL) with the managed keys from LIYA_*_API_KEY.
 */
async function main(): Promise<void> {
  const rootDir = repositoryRoot();
  const live = process.env.PROVIDERS === 'live';
  const standIn = live ? undefined : await startProviderStandIn(STAND_IN_PORT);
  const gatewayPort = Number(process.env.PORT ?? 3000);
  const providerUrls = {
    openai: standIn?.openaiBaseUrl ?? process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
    anthropic:
      standIn?.anthropicBaseUrl ?? process.env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com',
  };

  const system = await launchSystem({
    rootDir,
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/liya_byok',
    natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    masterKey: process.env.MASTER_KEY ?? devSecret(rootDir, 'master-key'),
    jwtSecret: process.env.DASHBOARD_JWT_SECRET ?? devSecret(rootDir, 'jwt-secret'),
    openaiBaseUrl: providerUrls.openai,
    anthropicBaseUrl: providerUrls.anthropic,
    managedOpenAiKey:
      process.env.LIYA_OPENAI_API_KEY ?? (standIn ? 'sk-liya-managed-dev' : undefined),
    managedAnthropicKey: process.env.LIYA_ANTHROPIC_API_KEY,
    providerHostAllowlist:
      process.env.PROVIDER_HOST_ALLOWLIST ?? (standIn ? `127.0.0.1:${standIn.port}` : undefined),
    gatewayPort,
    gatewayHost: process.env.HOST ?? '127.0.0.1',
    opsPorts: {
      'config-service': 9101,
      'crypto-service': 9102,
      'inference-router': 9103,
      'audit-service': 9104,
    },
    logLevel: process.env.LOG_LEVEL,
    onLine: (service, line) => process.stdout.write(`${prefixFor(service)} ${line}\n`),
  });

  process.stdout.write(
    [
      '',
      `Liya Engine BYOK is up: ${system.gatewayUrl}`,
      standIn
        ? `Providers are played by the stand-in at ${standIn.url} (PROVIDERS=live: real ones).`
        : `Providers: ${providerUrls.openai} and ${providerUrls.anthropic}.`,
      'Mint a dashboard token:  npm run token -- --tenant acme --plan growth --role owner',
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );

  const shutdown = () => {
    void system
      .stopAll()
      .then(() => standIn?.close())
      .then(() => process.exit(0));
  };

  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`cannot start the system: ${(error as Error).message}\n`);
  process.exit(1);
});
