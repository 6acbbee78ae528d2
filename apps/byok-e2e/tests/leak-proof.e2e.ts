import { randomUUID } from 'node:crypto';

import { connect } from '@nats-io/transport-node';

import { type ProviderStandIn, startProviderStandIn } from '@liya/dev-kit';

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
  refusedInputKey: canaryKey('sk-proj-'),
};

/** The part of a key a provider's error message quotes when it masks it, as OpenAI does. */
function maskedQuote(key: string): string {
  const random = randomPartOf(key);

  return `sk-proj-${random.slice(0, 10)}****${random.slice(-10)}`;
}

describe('a tenant key never leaks, anywhere in the running system', () => {
  let fixture: SystemFixture;
  let azureStandIn: ProviderStandIn;
  let bus: Awaited<ReturnType<typeof recordBus>>;

  beforeAll(async () => {
    azureStandIn = await startProviderStandIn();
    fixture = await startSystemFixture(
      { logLevel: 'trace', extraEnv: { 'inference-router': { PROVIDER_TIMEOUT_MS: '1500' } } },
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

    await driveEveryRoute(fixture, azureStandIn);
  });

  afterAll(async () => {
    await bus?.close();
    await fixture?.close();
    await azureStandIn?.close();
  });

  it('routes each key only to its own tenant provider, in priority order', () => {
    const azureCalls = azureStandIn.calls;

    expect(azureCalls.length).toBeGreaterThan(0);
    expect(azureCalls.every((call) => call.apiKey === CANARIES.azureTenantAzureKey)).toBe(true);

    const sharedCalls = fixture.standIn.calls;
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
async function driveEveryRoute(fixture: SystemFixture, azureStandIn: ProviderStandIn) {
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

  // Every kind of provider failure, each with a key of its own.
  for (const key of [
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
