import type { NatsConnection } from '@nats-io/transport-node';

import { canaryKey, startSystemFixture, type SystemFixture } from '../support/system-fixture';
import { CHAT_BODY, configure, connectBus, usageEventOf } from './inference-support';

/**
 * Which provider and which key serve a call, and what each provider is sent and answers, proven
 * against the stand-in with the real SDKs, PostgreSQL and NATS.
 */
describe('routing chat completions to the right provider with the right key', () => {
  let fixture: SystemFixture;
  let bus: NatsConnection;
  const managedAnthropicKey = canaryKey('sk-ant-managed-');
  const keys = {
    openai: canaryKey('sk-proj-'),
    anthropic: canaryKey('sk-ant-'),
    azure: canaryKey('azk-'),
  };
  let token: string;

  const chat = (body: object = CHAT_BODY, bearer = token) =>
    fixture.request('POST', '/v1/chat/completions', { token: bearer, body });

  beforeAll(async () => {
    fixture = await startSystemFixture({ managedAnthropicKey });
    bus = await connectBus(fixture);
    token = fixture.tokenFor({ tenantId: 'routing', role: 'owner', plan: 'enterprise' });
  });

  afterAll(async () => {
    await bus?.close();
    await fixture?.close();
  });

  it('sends Azure first when all three are configured, with its key and deployment', async () => {
    await configure(fixture, token, {
      mode: 'byok',
      openai_api_key: keys.openai,
      openai_organization: 'org-routing',
      anthropic_api_key: keys.anthropic,
      azure_openai_endpoint: fixture.standIn.url,
      azure_openai_key: keys.azure,
      azure_openai_deployment_id: 'gpt-4o-eu',
      azure_openai_region: 'westeurope',
    });
    fixture.standIn.reset();

    const response = await chat();

    expect(response.status).toBe(200);
    expect(response.headers.get('x-liya-provider')).toBe('azure');
    expect(response.headers.get('x-liya-key-source')).toBe('byok');
    expect(fixture.standIn.calls).toHaveLength(1);

    const call = fixture.standIn.calls[0]!;

    expect(call.provider).toBe('azure');
    expect(call.apiKey).toBe(keys.azure);
    expect(call.path).toBe('/openai/deployments/gpt-4o-eu/chat/completions?api-version=2024-10-21');
    expect(call.body.model).toBe('gpt-4o-eu');
    expect(call.headers.authorization).toBeUndefined();

    const event = await usageEventOf(fixture, bus, response.headers.get('x-request-id') ?? '');

    expect(event).toMatchObject({
      tenant_id: 'routing',
      provider: 'azure',
      key_source: 'byok',
      model: 'gpt-4o-eu',
      streamed: false,
      outcome: 'ok',
      prompt_tokens: 5,
      completion_tokens: 7,
      total_tokens: 12,
    });
    expect(event.latency_ms).toBeGreaterThan(0);
  });

  it('falls to Anthropic once Azure is removed, translating the request', async () => {
    await configure(fixture, token, {
      azure_openai_endpoint: null,
      azure_openai_key: null,
      azure_openai_deployment_id: null,
      azure_openai_region: null,
    });
    fixture.standIn.reset();

    const response = await chat({ ...CHAT_BODY, stop: ['\n\n'], max_tokens: 64 });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-liya-provider')).toBe('anthropic');

    const call = fixture.standIn.calls[0]!;

    expect(fixture.standIn.calls).toHaveLength(1);
    expect(call.provider).toBe('anthropic');
    expect(call.apiKey).toBe(keys.anthropic);
    expect(call.body).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'Answer briefly.',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 64,
      stop_sequences: ['\n\n'],
    });
  });

  it("translates Anthropic's answer into a Chat Completions answer", async () => {
    const response = await chat();

    expect(response.json()).toEqual({
      id: expect.stringMatching(/^msg_/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'claude-sonnet-4-5',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'stand-in reply from anthropic' },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    });
  });

  it('gives Anthropic the requested model when it is a Claude model', async () => {
    fixture.standIn.reset();

    await chat({ ...CHAT_BODY, model: 'claude-3-5-haiku-latest' });

    expect(fixture.standIn.calls[0]?.body.model).toBe('claude-3-5-haiku-latest');
    expect(fixture.standIn.calls[0]?.body.max_tokens).toBe(1024);
  });

  it('falls to OpenAI without Anthropic, with its organization and the model', async () => {
    await configure(fixture, token, { anthropic_api_key: null });
    fixture.standIn.reset();

    const response = await chat({ ...CHAT_BODY, model: 'gpt-4.1-mini' });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-liya-provider')).toBe('openai');

    const call = fixture.standIn.calls[0]!;

    expect(call.provider).toBe('openai');
    expect(call.headers.authorization).toBe(`Bearer ${keys.openai}`);
    expect(call.headers['openai-organization']).toBe('org-routing');
    expect(call.body.model).toBe('gpt-4.1-mini');
    expect(call.body.messages).toEqual(CHAT_BODY.messages);
  });

  it('never falls back to a managed key when the tenant key fails', async () => {
    fixture.standIn.reset();
    fixture.standIn.failWith(keys.openai, { status: 401, body: { error: { message: 'no' } } });

    const response = await chat();

    expect(response.status).toBe(502);
    expect(response.json()).toMatchObject({ error: { code: 'provider_key_rejected' } });
    expect(fixture.standIn.calls.map((call) => call.apiKey)).toEqual([keys.openai]);
  });

  it('uses the managed key on the very next request after a revert to liya_managed', async () => {
    await configure(fixture, token, {
      mode: 'byok',
      azure_openai_endpoint: fixture.standIn.url,
      azure_openai_key: keys.azure,
      azure_openai_deployment_id: 'gpt-4o-eu',
    });
    fixture.standIn.reset();
    expect((await chat()).headers.get('x-liya-provider')).toBe('azure');

    await configure(fixture, token, { mode: 'liya_managed' });
    const response = await chat();

    expect(response.status).toBe(200);
    expect(response.headers.get('x-liya-key-source')).toBe('managed');
    expect(response.headers.get('x-liya-provider')).toBe('openai');

    const managedCall = fixture.standIn.calls[1]!;

    expect(fixture.standIn.calls).toHaveLength(2);
    expect(managedCall.path).toBe('/v1/chat/completions');
    expect(managedCall.apiKey).toBe(fixture.managedOpenAiKey);
  });

  it('drops a cached configuration at once for tenant ids holding dots', async () => {
    for (const tenantId of ['trailing.', '.leading', 'two..dots']) {
      const dotted = fixture.tokenFor({ tenantId, role: 'owner', plan: 'growth' });
      const dottedChat = () =>
        fixture.request('POST', '/v1/chat/completions', { token: dotted, body: CHAT_BODY });
      const [first, second] = [canaryKey('sk-proj-'), canaryKey('sk-proj-')];

      await configure(fixture, dotted, { mode: 'byok', openai_api_key: first });
      await dottedChat();
      await configure(fixture, dotted, { openai_api_key: second });
      fixture.standIn.reset();
      await dottedChat();
      await configure(fixture, dotted, { mode: 'liya_managed' });
      const afterRevert = await dottedChat();

      expect(fixture.standIn.calls.map((call) => call.apiKey)).toEqual([
        second,
        fixture.managedOpenAiKey,
      ]);
      expect(afterRevert.headers.get('x-liya-key-source')).toBe('managed');
    }
  });

  it('sends a managed tenant asking for Claude to Anthropic with the managed key', async () => {
    fixture.standIn.reset();

    const response = await chat({ ...CHAT_BODY, model: 'claude-sonnet-4-5' });

    expect(response.headers.get('x-liya-provider')).toBe('anthropic');
    expect(response.headers.get('x-liya-key-source')).toBe('managed');
    expect(fixture.standIn.calls[0]?.apiKey).toBe(managedAnthropicKey);

    const event = await usageEventOf(fixture, bus, response.headers.get('x-request-id') ?? '');

    expect(event).toMatchObject({ provider: 'anthropic', key_source: 'managed' });
  });

  it('never sends a managed key to a tenant-supplied endpoint', () => {
    const managedKeys = [fixture.managedOpenAiKey, managedAnthropicKey];
    const azureCalls = fixture.standIn.calls.filter((call) => call.provider === 'azure');

    expect(azureCalls.every((call) => !managedKeys.includes(call.apiKey ?? ''))).toBe(true);
  });
});
