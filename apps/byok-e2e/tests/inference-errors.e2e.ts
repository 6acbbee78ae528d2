import { freePort } from '@liya/dev-kit';

import {
  canaryKey,
  findLeaks,
  startSystemFixture,
  type SystemFixture,
} from '../support/system-fixture';
import { CHAT_BODY, configure, everything } from './inference-support';

// OpenAI's real 401 text quotes the key it was sent, masked; none of it may reach anyone.
function openAiKeyMessage(key: string): { masked: string; body: object } {
  const masked = `${key.slice(0, 6)}***...${key.slice(-3)}`;

  return {
    masked,
    body: {
      error: {
        message:
          `Incorrect API key provided: ${masked}. You can find your API key at ` +
          'https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    },
  };
}

/**
 * What callers see when a provider fails: our code and message, the retry hint kept, timeouts
 * and server errors told apart, redirects and non-allowed endpoints refused, and none of the
 * provider's own text (which can quote the key) in any response or log line.
 */
describe('provider failures, told safely', () => {
  let fixture: SystemFixture;
  const key = canaryKey('sk-proj-');
  let token: string;
  let masked: string;

  const chat = (body: object = CHAT_BODY, bearer = token) =>
    fixture.request('POST', '/v1/chat/completions', { token: bearer, body });

  beforeAll(async () => {
    // config-service accepts `localhost` endpoints; the router's own allow list does not.
    fixture = await startSystemFixture(
      {
        extraEnv: {
          'inference-router': { PROVIDER_HOST_ALLOWLIST: '127.0.0.1', PROVIDER_TIMEOUT_MS: '1500' },
        },
      },
      { extraAllowedHosts: ['localhost'] },
    );
    token = fixture.tokenFor({ tenantId: 'failing', role: 'owner', plan: 'growth' });
    await configure(fixture, token, { mode: 'byok', openai_api_key: key });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  beforeEach(() => fixture.standIn.reset());

  it("names the provider when it rejects the tenant's key, and quotes nothing of it", async () => {
    const failure = openAiKeyMessage(key);

    masked = failure.masked;
    fixture.standIn.failWith(key, { status: 401, body: failure.body, echoRequestHeaders: true });

    const response = await chat();

    expect(response.status).toBe(502);
    expect(response.json()).toEqual({
      error: {
        message: "OpenAI rejected the tenant's API key; update it in the dashboard",
        type: 'server_error',
        code: 'provider_key_rejected',
        param: null,
      },
    });
  });

  it('refuses a stream the same way, before any event is sent', async () => {
    fixture.standIn.failWith(key, { status: 401, body: openAiKeyMessage(key).body });

    const response = await chat({ ...CHAT_BODY, stream: true });

    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.json()).toMatchObject({ error: { code: 'provider_key_rejected' } });
  });

  it('keeps the retry hint of a rate limit', async () => {
    fixture.standIn.failWith(key, {
      status: 429,
      headers: { 'retry-after': '17' },
      body: { error: { message: 'Rate limit reached', type: 'requests' } },
    });

    const response = await chat();

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('17');
    expect(response.json()).toMatchObject({ error: { code: 'provider_rate_limited' } });
  });

  it('tells a timeout from a server error', async () => {
    fixture.standIn.failWith(key, { status: 200, delayMs: 4000 });
    const slow = await chat();

    fixture.standIn.failWith(key, { status: 503, body: { error: { message: 'overloaded' } } });
    const broken = await chat();

    expect(slow.status).toBe(504);
    expect(slow.json()).toMatchObject({
      error: { code: 'provider_timeout', message: 'OpenAI did not answer in time' },
    });
    expect(broken.status).toBe(502);
    expect(broken.json()).toMatchObject({
      error: { code: 'provider_server_error', message: 'OpenAI failed with status 503' },
    });
  });

  it('does not follow a redirect, so the key goes nowhere else', async () => {
    fixture.standIn.failWith(key, {
      status: 307,
      headers: { location: `${fixture.standIn.url}/v1/chat/completions?moved=1` },
    });

    const response = await chat();

    expect(response.status).toBe(502);
    expect(response.json()).toMatchObject({ error: { code: 'provider_unavailable' } });
    expect(fixture.standIn.calls).toHaveLength(1);
  });

  it('checks a stored Azure endpoint again at call time, with the router allow list', async () => {
    const azureToken = fixture.tokenFor({ tenantId: 'elsewhere', role: 'owner', plan: 'growth' });

    await configure(fixture, azureToken, {
      mode: 'byok',
      azure_openai_endpoint: `http://localhost:${fixture.standIn.port}`,
      azure_openai_key: canaryKey('azk-'),
      azure_openai_deployment_id: 'gpt-4o',
    });

    const response = await chat(CHAT_BODY, azureToken);

    expect(response.status).toBe(422);
    expect(response.json()).toMatchObject({ error: { code: 'provider_endpoint_refused' } });
    expect(fixture.standIn.calls).toHaveLength(0);
  });

  it('never let the provider error text, masked key or headers out', () => {
    const outputs = everything(fixture);
    const providerText = ['Incorrect API key', masked, 'platform.openai.com', 'request_headers'];

    expect(masked).toMatch(/\*\*\*/);
    for (const text of providerText) {
      expect(outputs.filter((output) => output.text.includes(text)).map((o) => o.where)).toEqual(
        [],
      );
    }
    expect(findLeaks(outputs, [key])).toEqual([]);
  });
});

describe('POST /dashboard/account/config/verify', () => {
  let fixture: SystemFixture;
  const keys = {
    openai: canaryKey('sk-proj-'),
    anthropic: canaryKey('sk-ant-'),
    azure: canaryKey('azk-'),
  };
  let owner: string;

  beforeAll(async () => {
    fixture = await startSystemFixture({}, { extraAllowedHosts: ['localhost'] });
    owner = fixture.tokenFor({ tenantId: 'verifier', role: 'owner', plan: 'growth' });
    await configure(fixture, owner, {
      mode: 'byok',
      openai_api_key: keys.openai,
      anthropic_api_key: keys.anthropic,
      azure_openai_endpoint: fixture.standIn.url,
      azure_openai_key: keys.azure,
      azure_openai_deployment_id: 'gpt-4o',
    });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('reports ok, rejected and unreachable per provider, in routing order', async () => {
    fixture.standIn.failWith(keys.anthropic, { status: 401, echoRequestHeaders: true });
    fixture.standIn.failWith(keys.openai, { status: 503 });

    const response = await fixture.request('POST', '/dashboard/account/config/verify', {
      token: owner,
    });

    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      mode: 'byok',
      results: [
        { provider: 'azure', status: 'ok' },
        { provider: 'anthropic', status: 'rejected', detail: 'the provider rejected the key' },
        { provider: 'openai', status: 'unreachable', detail: 'OpenAI failed with status 503' },
      ],
      checkedAt: expect.any(String),
    });

    const checks = fixture.standIn.calls.map((call) => [call.method, call.provider, call.apiKey]);

    expect(checks).toEqual(
      expect.arrayContaining([
        ['GET', 'azure', keys.azure],
        ['GET', 'anthropic', keys.anthropic],
        ['GET', 'openai', keys.openai],
      ]),
    );
  });

  it('reports an endpoint it cannot reach as unreachable', async () => {
    const closedPort = await freePort();
    const token = fixture.tokenFor({ tenantId: 'verifier-2', role: 'admin', plan: 'growth' });

    await configure(fixture, token, {
      mode: 'byok',
      azure_openai_endpoint: `http://localhost:${closedPort}`,
      azure_openai_key: canaryKey('azk-'),
      azure_openai_deployment_id: 'gpt-4o',
    });

    const response = await fixture.request('POST', '/dashboard/account/config/verify', { token });

    expect(response.json()).toMatchObject({
      results: [
        { provider: 'azure', status: 'unreachable', detail: 'Azure OpenAI could not be reached' },
      ],
    });
  });

  it('has nothing to check for a tenant on managed keys', async () => {
    const token = fixture.tokenFor({ tenantId: 'managed-one', role: 'owner', plan: 'free' });

    const response = await fixture.request('POST', '/dashboard/account/config/verify', { token });

    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ mode: 'liya_managed', results: [] });
  });

  it('is for owners and admins only', async () => {
    const member = fixture.tokenFor({ tenantId: 'verifier', role: 'member', plan: 'growth' });

    const response = await fixture.request('POST', '/dashboard/account/config/verify', {
      token: member,
    });
    const anonymous = await fixture.request('POST', '/dashboard/account/config/verify');

    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ code: 'forbidden_role' });
    expect(anonymous.status).toBe(401);
  });

  it('never returns or logs a key', () => {
    expect(findLeaks(everything(fixture), Object.values(keys))).toEqual([]);
  });
});
