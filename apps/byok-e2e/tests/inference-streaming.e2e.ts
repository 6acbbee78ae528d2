import { request as httpRequest } from 'node:http';

import type { NatsConnection } from '@nats-io/transport-node';

import {
  canaryKey,
  findLeaks,
  startSystemFixture,
  type SystemFixture,
} from '../support/system-fixture';
import {
  CHAT_BODY,
  configure,
  connectBus,
  everything,
  sseChunks,
  sseData,
  streamedContent,
  usageEventOf,
} from './inference-support';

const STREAM_BODY = { ...CHAT_BODY, stream: true };

describe('streamed chat completions through the gateway, from each provider', () => {
  let fixture: SystemFixture;
  let bus: NatsConnection;
  const keys = {
    openai: canaryKey('sk-proj-'),
    anthropic: canaryKey('sk-ant-'),
    azure: canaryKey('azk-'),
  };
  const tokens: Record<keyof typeof keys, string> = { openai: '', anthropic: '', azure: '' };

  beforeAll(async () => {
    fixture = await startSystemFixture();
    bus = await connectBus(fixture);

    for (const provider of Object.keys(keys) as Array<keyof typeof keys>) {
      tokens[provider] = fixture.tokenFor({
        tenantId: `stream-${provider}`,
        role: 'owner',
        plan: 'growth',
      });
    }

    await configure(fixture, tokens.openai, { mode: 'byok', openai_api_key: keys.openai });
    await configure(fixture, tokens.anthropic, { mode: 'byok', anthropic_api_key: keys.anthropic });
    await configure(fixture, tokens.azure, {
      mode: 'byok',
      azure_openai_endpoint: fixture.standIn.url,
      azure_openai_key: keys.azure,
      azure_openai_deployment_id: 'gpt-4o-eu',
      azure_openai_region: 'westeurope',
    });
  });

  afterAll(async () => {
    await bus?.close();
    await fixture?.close();
  });

  it.each(['openai', 'anthropic', 'azure'] as const)(
    'streams %s as server-sent events ending in [DONE]',
    async (provider) => {
      fixture.standIn.reset();

      const response = await fixture.request('POST', '/v1/chat/completions', {
        token: tokens[provider],
        body: STREAM_BODY,
      });

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-liya-provider')).toBe(provider);
      expect(response.headers.get('x-liya-key-source')).toBe('byok');

      const data = sseData(response.text);

      expect(data.at(-1)).toBe('[DONE]');
      expect(streamedContent(response.text)).toBe(`stand-in reply from ${provider}`);

      const chunks = sseChunks(response.text);

      expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
      expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
      expect(chunks.some((chunk) => chunk.usage)).toBe(false);

      expect(fixture.standIn.calls).toHaveLength(1);
      expect(fixture.standIn.calls[0]?.provider).toBe(provider);
      expect(fixture.standIn.calls[0]?.body.stream).toBe(true);
    },
  );

  it('keeps Azure filter results and empty chunks away from the caller', async () => {
    const response = await fixture.request('POST', '/v1/chat/completions', {
      token: tokens.azure,
      body: STREAM_BODY,
    });

    expect(response.status).toBe(200);
    expect(response.text).not.toContain('filter_results');
    expect(sseChunks(response.text).every((chunk) => chunk.choices.length === 1)).toBe(true);
  });

  it.each(['openai', 'anthropic', 'azure'] as const)(
    'ends a %s stream with usage when the caller asks for it, and bills it',
    async (provider) => {
      const response = await fixture.request('POST', '/v1/chat/completions', {
        token: tokens[provider],
        body: { ...STREAM_BODY, stream_options: { include_usage: true } },
      });

      const chunks = sseChunks(response.text);

      expect(chunks.at(-1)).toMatchObject({
        choices: [],
        usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
      });

      const event = await usageEventOf(fixture, bus, response.headers.get('x-request-id') ?? '');

      expect(event).toMatchObject({
        tenant_id: `stream-${provider}`,
        provider,
        key_source: 'byok',
        streamed: true,
        outcome: 'ok',
        prompt_tokens: 5,
        completion_tokens: 7,
        total_tokens: 12,
      });
    },
  );

  it('translates an Anthropic stream: role, text deltas, stop reason, usage', async () => {
    const response = await fixture.request('POST', '/v1/chat/completions', {
      token: tokens.anthropic,
      body: { ...STREAM_BODY, stream_options: { include_usage: true } },
    });

    const chunks = sseChunks(response.text);
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta?.content).filter(Boolean);

    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(deltas.length).toBeGreaterThan(1);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks[0]?.id).toMatch(/^msg_/);
  });

  it('cancels the provider call when the client disconnects', async () => {
    const slowKey = canaryKey('sk-slow-');
    const token = fixture.tokenFor({ tenantId: 'stream-slow', role: 'owner', plan: 'growth' });

    await configure(fixture, token, { mode: 'byok', openai_api_key: slowKey });
    fixture.standIn.reset();
    fixture.standIn.streamFor(slowKey, { chunkDelayMs: 250, chunkCount: 40 });

    // A client that goes away closes its connection after the first bytes.
    const firstBytes = await new Promise<string>((resolve, reject) => {
      const call = httpRequest(`${fixture.system.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });

      call.on('response', (response) => {
        response.once('data', (data: Buffer) => {
          call.destroy();
          resolve(data.toString('utf8'));
        });
      });
      call.on('error', reject);
      call.end(JSON.stringify(STREAM_BODY));
    });

    expect(firstBytes).toContain('data: ');

    // Unstopped, the stand-in would write for ten more seconds and finish normally.
    const call = await fixture.waitFor(
      async () => fixture.standIn.calls.find((recorded) => recorded.closedEarly === true),
      'the provider connection to close early',
      5000,
    );

    expect(call.apiKey).toBe(slowKey);
  });

  it('ends a stream the provider drops midway with an error event, not [DONE]', async () => {
    const flakyKey = canaryKey('sk-flaky-');
    const token = fixture.tokenFor({ tenantId: 'stream-flaky', role: 'owner', plan: 'growth' });

    await configure(fixture, token, { mode: 'byok', openai_api_key: flakyKey });
    fixture.standIn.streamFor(flakyKey, { dropAfterEvents: 3 });

    const response = await fixture.request('POST', '/v1/chat/completions', {
      token,
      body: STREAM_BODY,
    });
    const data = sseData(response.text);

    expect(response.status).toBe(200);
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1) ?? '{}')).toEqual({
      error: {
        message: 'OpenAI could not be reached',
        type: 'server_error',
        code: 'provider_unavailable',
        param: null,
      },
    });

    const event = await usageEventOf(fixture, bus, response.headers.get('x-request-id') ?? '');

    expect(event).toMatchObject({ streamed: true, outcome: 'provider_unavailable' });
  });

  it('answers 503 from NATS no-responders when no router is running, not a timeout', async () => {
    await fixture.system.stop('inference-router');

    const response = await fixture.request('POST', '/v1/chat/completions', {
      token: tokens.openai,
      body: STREAM_BODY,
    });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.json()).toMatchObject({
      error: {
        code: 'dependency_unavailable',
        message: 'the inference-router service has no running instance',
      },
    });
  });

  it('never shows a key in any stream, response or log line', () => {
    expect(findLeaks(everything(fixture), Object.values(keys))).toEqual([]);
  });
});
