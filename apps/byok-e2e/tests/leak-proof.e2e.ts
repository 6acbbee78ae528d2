import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { connect, createInbox } from '@nats-io/transport-node';

import { CHAT_STREAM_SUBJECT, INFERENCE_PROTO_PATH } from '@liya/contracts';
import { freePort, type ProviderStandIn, startProviderStandIn } from '@liya/dev-kit';

import { type BusMessage, plaintextByDesign, recordBus } from '../support/bus-recorder';
import { describeFindings, LeakScanner, type Output } from '../support/leak-scanner';
import { dumpDatabase, dumpStreams } from '../support/storage-dump';
import {
  canaryKey,
  randomPartOf,
  startSystemFixture,
  type SystemFixture,
} from '../support/system-fixture';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };

// One distinctive key per tenant and provider; their random parts are what the search looks for.
const CANARIES = {
  azureTenantAzureKey: canaryKey('azure-'),
  azureTenantOpenAiKey: canaryKey('sk-proj-'),
  anthropicTenantAnthropicKey: canaryKey('sk-ant-api03-'),
  anthropicTenantOpenAiKey: canaryKey('sk-proj-'),
  openAiTenantKey: canaryKey('sk-proj-'),
  rejectedKey: canaryKey('sk-proj-'),
  rateLimitedKey: canaryKey('sk-proj-'),
  failingKey: canaryKey('sk-proj-'),
  slowKey: canaryKey('sk-proj-'),
  echoedKey: canaryKey('sk-proj-'),
  headerEchoKey: canaryKey('sk-proj-'),
  crashKey: canaryKey('sk-proj-'),
  refusedInputKey: canaryKey('sk-proj-'),
};

const MASTER_KEYS = {
  one: randomBytes(32).toString('base64'),
  two: randomBytes(32).toString('base64'),
};

function writeRing(directory: string, ring: { active: string; keys: Record<string, string> }) {
  writeFileSync(join(directory, 'ring.json'), JSON.stringify(ring), { mode: 0o600 });
}

/** The part of a key a provider's error message quotes when it masks it, as OpenAI does. */
function maskedQuote(key: string): string {
  const random = randomPartOf(key);

  return `sk-proj-${random.slice(0, 10)}****${random.slice(-10)}`;
}

describe('a tenant key never leaks, anywhere in the running system', () => {
  let fixture: SystemFixture;
  let azureStandIn: ProviderStandIn;
  let bus: Awaited<ReturnType<typeof recordBus>>;
  let scratch: string;
  let crashExit: { code: number | null; lines: string[] } = { code: null, lines: [] };

  beforeAll(async () => {
    azureStandIn = await startProviderStandIn();
    scratch = mkdtempSync(join(tmpdir(), 'liya-leak-'));
    writeRing(scratch, { active: '1', keys: { 1: MASTER_KEYS.one } });
    const grpcPort = await freePort();

    fixture = await startSystemFixture(
      {
        logLevel: 'trace',
        masterKeyFile: join(scratch, 'ring.json'),
        extraEnv: {
          // A request whose router dies waits out this deadline; keep the crash check short.
          gateway: { INFERENCE_TIMEOUT_MS: '5000' },
          'inference-router': {
            PROVIDER_TIMEOUT_MS: '1500',
            GRPC_PORT: String(grpcPort),
            GRPC_HOST: '127.0.0.1',
            NODE_ENV: 'test',
            LIYA_TEST_FAULT_ROUTER_CRASH_AFTER_DECRYPT_FILE: join(scratch, 'crash-armed'),
          },
        },
      },
      { extraAllowedHosts: [`127.0.0.1:${azureStandIn.port}`] },
    );
    bus = await recordBus(fixture.infrastructure.natsUrl);

    const { standIn } = fixture;

    standIn.failWith(CANARIES.rejectedKey, {
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${maskedQuote(CANARIES.rejectedKey)}.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    });
    standIn.failWith(CANARIES.rateLimitedKey, {
      status: 429,
      headers: { 'retry-after': '7' },
      body: {
        error: { message: `Rate limit reached for ${maskedQuote(CANARIES.rateLimitedKey)}` },
      },
    });
    standIn.failWith(CANARIES.failingKey, {
      status: 500,
      body: { error: { message: `internal error for key ${CANARIES.failingKey}` } },
    });
    standIn.failWith(CANARIES.slowKey, { status: 200, delayMs: 3000 });
    standIn.failWith(CANARIES.echoedKey, {
      status: 400,
      body: {
        error: { message: `bad request; headers: authorization=Bearer ${CANARIES.echoedKey}` },
      },
    });

    standIn.failWith(CANARIES.headerEchoKey, { status: 401, echoRequestHeaders: true });

    await driveEveryRoute(fixture, azureStandIn, grpcPort);
    await rotateMasterKey(fixture, scratch);
    crashExit = await crashRouterHoldingKey(fixture, scratch);
  });

  afterAll(async () => {
    await bus?.close();
    await fixture?.close();
    await azureStandIn?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('routes each key only to its own tenant provider, in priority order', () => {
    const azureCalls = azureStandIn.calls;

    expect(azureCalls.length).toBeGreaterThan(0);
    expect(azureCalls.every((call) => call.apiKey === CANARIES.azureTenantAzureKey)).toBe(true);

    // Completions only: the key check also calls each configured provider with its own key.
    const sharedCalls = fixture.standIn.calls.filter((call) =>
      /\/(chat\/completions|messages)$/.test(call.path.split('?')[0] ?? ''),
    );
    const keysSeen = new Set(sharedCalls.map((call) => call.apiKey));

    // Azure outranks the Azure tenant's OpenAI key; Anthropic outranks the other tenant's OpenAI key.
    expect(keysSeen.has(CANARIES.azureTenantOpenAiKey)).toBe(false);
    expect(keysSeen.has(CANARIES.anthropicTenantOpenAiKey)).toBe(false);
    expect(keysSeen.has(CANARIES.azureTenantAzureKey)).toBe(false);

    const anthropicCalls = sharedCalls.filter(
      (call) => call.apiKey === CANARIES.anthropicTenantAnthropicKey,
    );

    expect(anthropicCalls.length).toBeGreaterThan(0);
    expect(anthropicCalls.every((call) => call.provider === 'anthropic')).toBe(true);

    const openAiCalls = sharedCalls.filter((call) => call.apiKey === CANARIES.openAiTenantKey);

    expect(openAiCalls.length).toBeGreaterThan(0);
    expect(openAiCalls.every((call) => call.provider === 'openai')).toBe(true);
  });

  it('never sends a managed key to a tenant-supplied endpoint', () => {
    const managedOnAzure = azureStandIn.calls.filter(
      (call) => call.apiKey === fixture.managedOpenAiKey,
    );

    expect(fixture.standIn.calls.some((call) => call.apiKey === fixture.managedOpenAiKey)).toBe(
      true,
    );
    expect(managedOnAzure).toEqual([]);
  });

  it('finds no key in any HTTP response body or header', () => {
    const outputs: Output[] = fixture.responses.map((response) => ({
      kind: 'http',
      where: `${response.method} ${response.path} -> ${response.status}`,
      text: JSON.stringify(response.headers) + response.body,
    }));

    expect(outputs.length).toBeGreaterThan(20);
    expect(fixture.responses.filter((r) => r.body.includes('data: [DONE]'))).toHaveLength(2);
    expect(
      fixture.responses.filter((r) => r.path.endsWith('/verify') && r.status === 200),
    ).toHaveLength(3);
    expect(describeFindings(new LeakScanner(CANARIES).scan(outputs))).toBe('');
  });

  it('finds no key in any log line of any service, at the most verbose level', () => {
    const outputs: Output[] = fixture.logs.map((entry) => ({
      kind: 'log',
      where: entry.service,
      text: entry.line,
    }));

    expect(
      fixture.logs.some(
        (entry) => entry.line.includes('"level":"trace"') || entry.line.includes('"level":"debug"'),
      ),
    ).toBe(true);
    expect(describeFindings(new LeakScanner(CANARIES).scan(outputs))).toBe('');
  });

  it('finds a key on the bus only where the design needs the plaintext', () => {
    const allowed = plaintextByDesign(bus.messages);
    const outputs = bus.messages.map((message: BusMessage) => ({
      kind: 'nats' as const,
      where: message.subject,
      text: message.data,
    }));
    const carriers = new LeakScanner(CANARIES).scan(outputs);

    // The search must see keys where they are allowed, or it would prove nothing.
    expect(carriers.some((finding) => finding.where.startsWith('crypto.encrypt'))).toBe(true);

    const leaks = new LeakScanner(CANARIES).scan(
      outputs,
      (output) =>
        output.where === 'config.update' || allowed({ subject: output.where, data: output.text }),
    );

    expect(describeFindings(leaks)).toBe('');
  });

  it('finds no key in any table or stored stream message', async () => {
    const outputs = [
      ...(await dumpDatabase(fixture.infrastructure.databaseUrl)),
      ...(await dumpStreams(bus.connection)),
    ];

    expect(outputs.some((output) => output.where === 'byok_config.tenant_secrets')).toBe(true);
    expect(describeFindings(new LeakScanner(CANARIES).scan(outputs))).toBe('');
  });

  it('rotated the master key and rewrapped every stored key', async () => {
    const versions = await fixture.query<{ key_version: string }>(
      `SELECT DISTINCT key_version FROM byok_config.tenant_secrets`,
    );

    expect(versions).toEqual([{ key_version: '2' }]);
  });

  it('writes no key when a service crashes while holding one', () => {
    const fatal = crashExit.lines.filter((line) => line.includes('"level":"fatal"'));
    const outputs: Output[] = crashExit.lines.map((line) => ({
      kind: 'crash',
      where: 'inference-router',
      text: line,
    }));

    expect(crashExit.code).toBe(1);
    expect(fatal).toHaveLength(1);
    expect(describeFindings(new LeakScanner(CANARIES).scan(outputs))).toBe('');
  });

  it('finds no key in any metric series or label', async () => {
    const outputs: Output[] = [];
    for (const [service, url] of Object.entries(fixture.system.opsUrls)) {
      const response = await fetch(`${url}/metrics`);

      outputs.push({ kind: 'metrics', where: service, text: await response.text() });
    }

    expect(outputs.every((output) => output.text.includes('# HELP'))).toBe(true);
    expect(describeFindings(new LeakScanner(CANARIES).scan(outputs))).toBe('');
  });
});

/** Configuration writes, merges, reads, bad input, audit queries, completions and errors. */
async function driveEveryRoute(
  fixture: SystemFixture,
  azureStandIn: ProviderStandIn,
  grpcPort: number,
) {
  const tokens = {
    azure: fixture.tokenFor({ tenantId: 'leak-azure', plan: 'enterprise', role: 'owner' }),
    anthropic: fixture.tokenFor({ tenantId: 'leak-anthropic', plan: 'growth', role: 'admin' }),
    openai: fixture.tokenFor({ tenantId: 'leak-openai', plan: 'growth', role: 'owner' }),
    managed: fixture.tokenFor({ tenantId: 'leak-managed', plan: 'free', role: 'member' }),
  };
  const patch = (token: string, providerConfig: Record<string, unknown>) =>
    fixture.request('PATCH', '/dashboard/account/config', { token, body: { providerConfig } });

  await patch(tokens.azure, {
    mode: 'byok',
    azure_openai_endpoint: azureStandIn.url,
    azure_openai_key: CANARIES.azureTenantAzureKey,
    azure_openai_deployment_id: 'gpt-4o',
    azure_openai_region: 'eastus',
    openai_api_key: CANARIES.azureTenantOpenAiKey,
  });
  await patch(tokens.anthropic, {
    mode: 'byok',
    openai_api_key: CANARIES.anthropicTenantOpenAiKey,
  });
  await patch(tokens.anthropic, { anthropic_api_key: CANARIES.anthropicTenantAnthropicKey });
  await patch(tokens.openai, { mode: 'byok', openai_api_key: CANARIES.openAiTenantKey });

  // Bad input that carries keys: refused, and the keys must not be echoed.
  const refused = CANARIES.refusedInputKey;

  await patch(tokens.openai, { openai_apikey: refused });
  await patch(tokens.openai, { openai_api_key: `${refused}\u0007` });
  await patch(tokens.openai, { openai_api_key: refused.repeat(20) });
  await patch(tokens.openai, { openai_api_key: [refused] });
  await patch(tokens.openai, { [refused]: 'x' });
  await patch(tokens.managed, { mode: 'byok', openai_api_key: refused });
  await fixture.request('PATCH', '/dashboard/account/config', {
    token: tokens.openai,
    rawBody: `{"providerConfig":{"openai_api_key":"${refused}"`,
    headers: { 'content-type': 'application/json' },
  });
  await fixture.request('POST', '/v1/chat/completions', {
    token: tokens.openai,
    body: { ...CHAT, api_key: refused },
  });

  for (const token of Object.values(tokens)) {
    await fixture.request('GET', '/dashboard/account/config', { token });
    await fixture.request('POST', '/v1/chat/completions', { token, body: CHAT });
  }
  await fixture.request('POST', '/v1/chat/completions', {
    token: tokens.anthropic,
    body: { ...CHAT, model: 'claude-sonnet-4-5' },
  });

  // Streams through the gateway, from Azure and from Anthropic, read to their end.
  for (const token of [tokens.azure, tokens.anthropic]) {
    await fixture.request('POST', '/v1/chat/completions', {
      token,
      body: { ...CHAT, stream: true, stream_options: { include_usage: true } },
    });
  }

  // Each tenant's stored keys checked against its providers.
  for (const token of [tokens.azure, tokens.anthropic, tokens.openai]) {
    await fixture.request('POST', '/dashboard/account/config/verify', { token });
  }

  await callInternally(fixture, grpcPort);

  // Every kind of provider failure, each with a key of its own.
  for (const key of [
    CANARIES.headerEchoKey,
    CANARIES.rejectedKey,
    CANARIES.rateLimitedKey,
    CANARIES.failingKey,
    CANARIES.slowKey,
    CANARIES.echoedKey,
  ]) {
    await patch(tokens.openai, { openai_api_key: key });
    await fixture.request('POST', '/v1/chat/completions', { token: tokens.openai, body: CHAT });
  }

  // Internal callers reach the router over NATS, naming the tenant.
  const internal = await connect({ servers: fixture.infrastructure.natsUrl });

  await internal.request(
    'inference.chat',
    JSON.stringify({ tenantId: 'leak-azure', requestId: randomUUID(), body: CHAT }),
    { timeout: 10_000 },
  );
  await internal.drain();

  // Revert: keys erased, routing back to managed keys.
  await patch(tokens.openai, { mode: 'liya_managed' });
  await fixture.request('POST', '/v1/chat/completions', { token: tokens.openai, body: CHAT });

  for (const token of Object.values(tokens)) {
    await fixture.waitFor(async () => {
      const response = await fixture.request('GET', '/dashboard/account/audit-log', { token });
      const body = response.json() as { events?: unknown[] };

      return token === tokens.managed || (body.events?.length ?? 0) > 0 ? true : undefined;
    }, 'audit events');
  }
}

/** Internal callers name the tenant: NATS request/reply and stream, gRPC unary and stream. */
async function callInternally(fixture: SystemFixture, grpcPort: number) {
  const internal = await connect({ servers: fixture.infrastructure.natsUrl });
  const request = (tenantId: string) => ({ tenantId, requestId: randomUUID(), body: CHAT });

  await internal.request('inference.chat', JSON.stringify(request('leak-azure')), {
    timeout: 10_000,
  });

  const inbox = createInbox();
  const frames = internal.subscribe(inbox, { timeout: 10_000 });

  internal.publish(
    CHAT_STREAM_SUBJECT,
    JSON.stringify({ ...request('leak-anthropic'), body: { ...CHAT, stream: true } }),
    { reply: inbox },
  );
  for await (const frame of frames) {
    if (/"type":"(end|error)"/.test(frame.string())) break;
  }
  await internal.drain();

  const definition = loadSync(INFERENCE_PROTO_PATH, { keepCase: true, oneofs: true });
  const loaded = loadPackageDefinition(definition) as unknown as {
    liya: { inference: { v1: { InferenceRouter: new (...args: unknown[]) => GrpcInference } } };
  };
  const grpc = new loaded.liya.inference.v1.InferenceRouter(
    `127.0.0.1:${grpcPort}`,
    credentials.createInsecure(),
  );
  const deadline = () => new Date(Date.now() + 10_000);
  const grpcRequest = (tenantId: string, stream: boolean) => ({
    tenant_id: tenantId,
    request_id: randomUUID(),
    body_json: JSON.stringify({ ...CHAT, stream }),
  });

  await new Promise<void>((resolve) =>
    grpc.Chat(grpcRequest('leak-openai', false), { deadline: deadline() }, () => resolve()),
  );
  await new Promise<void>((resolve) => {
    const call = grpc.ChatStream(grpcRequest('leak-azure', true), { deadline: deadline() });

    call.on('data', () => undefined);
    call.on('end', () => resolve());
    call.on('error', () => resolve());
  });
  grpc.close();
}

interface GrpcInference {
  Chat(request: object, options: { deadline: Date }, callback: () => void): void;
  ChatStream(request: object, options: { deadline: Date }): NodeJS.EventEmitter;
  close(): void;
}

/** The runbook's rotation: version 2 added and made active, every key rewrapped, 1 retired. */
async function rotateMasterKey(fixture: SystemFixture, scratch: string) {
  const restartCrypto = async (ring: { active: string; keys: Record<string, string> }) => {
    writeRing(scratch, ring);
    await fixture.system.stop('crypto-service');
    await fixture.system.start('crypto-service');
  };

  await restartCrypto({ active: '1', keys: { 1: MASTER_KEYS.one, 2: MASTER_KEYS.two } });
  await restartCrypto({ active: '2', keys: { 1: MASTER_KEYS.one, 2: MASTER_KEYS.two } });

  const rewrap = spawnSync(
    process.execPath,
    [join(__dirname, '..', '..', 'config-service', 'dist', 'rewrap.js')],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LOG_LEVEL: 'trace',
        DATABASE_URL: fixture.infrastructure.databaseUrl,
        NATS_URL: fixture.infrastructure.natsUrl,
      },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  for (const line of `${rewrap.stdout}${rewrap.stderr}`.split('\n')) {
    if (line) fixture.logs.push({ service: 'config-service', line });
  }

  await restartCrypto({ active: '2', keys: { 2: MASTER_KEYS.two } });

  const token = fixture.tokenFor({ tenantId: 'leak-anthropic', plan: 'growth', role: 'admin' });

  await fixture.request('POST', '/v1/chat/completions', { token, body: CHAT });
  await fixture.request('GET', '/dashboard/account/config', { token });
}

/** A router that dies with a decrypted key in its exception, mid-request. */
async function crashRouterHoldingKey(fixture: SystemFixture, scratch: string) {
  const token = fixture.tokenFor({ tenantId: 'leak-crash', plan: 'growth', role: 'owner' });

  await fixture.request('PATCH', '/dashboard/account/config', {
    token,
    body: { providerConfig: { mode: 'byok', openai_api_key: CANARIES.crashKey } },
  });

  const router = fixture.system.processes.get('inference-router');
  const firstLine = fixture.logs.length;
  const exited = new Promise<number | null>((resolve) => router?.once('exit', resolve));

  writeFileSync(join(scratch, 'crash-armed'), '');

  // The request itself waits out the gateway's deadline, since its router is gone; not awaited.
  const pending = fixture
    .request('POST', '/v1/chat/completions', { token, body: CHAT })
    .catch(() => undefined);
  const code = await exited;

  await fixture.system.start('inference-router');
  await pending;
  await new Promise((resolve) => setTimeout(resolve, 200));

  const lines = fixture.logs
    .slice(firstLine)
    .filter((entry) => entry.service === 'inference-router')
    .map((entry) => entry.line);

  return { code, lines };
}
