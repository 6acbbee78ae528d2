import { startProviderStandIn } from '../stand-in/provider-stand-in';

// Usage: npm run provider-stand-in [-- --port 4010]
const portFlag = process.argv.indexOf('--port');
const port = portFlag >= 0 ? Number(process.argv[portFlag + 1]) : 4010;

void startProviderStandIn(port).then((standIn) => {
  process.stdout.write(
    `provider stand-in on ${standIn.url}\n` +
      `  OPENAI_BASE_URL=${standIn.openaiBaseUrl}\n` +
      `  ANTHROPIC_BASE_URL=${standIn.anthropicBaseUrl}\n` +
      `  Azure endpoint: ${standIn.url}\n` +
      `  (add 127.0.0.1:${standIn.port} to PROVIDER_HOST_ALLOWLIST)\n`,
  );

  const stop = () => void standIn.close().then(() => process.exit(0));

  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
