import {
  canaryKey,
  findLeaks,
  randomPartOf,
  startSystemFixture,
  type SystemFixture,
} from '../support/system-fixture';
import { CONFIG_PATH, responseHaystacks } from './dashboard-state';

const CHAT_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };

interface Step {
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

describe('no key, in any form, in any response of any route', () => {
  let fixture: SystemFixture;
  const keys = {
    openai: canaryKey('sk-proj-redact-'),
    anthropic: canaryKey('sk-ant-api03-redact-'),
    azure: canaryKey('azure-redact-'),
    rejected: canaryKey('sk-proj-rejected-'),
  };
  const planted = Object.values(keys);

  beforeAll(async () => {
    fixture = await startSystemFixture();
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('plants keys of every provider and exercises every route, errors included', async () => {
    const owner = fixture.tokenFor({ tenantId: 'redact', role: 'owner', plan: 'enterprise' });
    const member = fixture.tokenFor({ tenantId: 'redact', role: 'member', plan: 'enterprise' });
    const rejecting = fixture.tokenFor({ tenantId: 'redact-rejected', plan: 'growth' });
    const azureEndpoint = `http://127.0.0.1:${fixture.standIn.port}`;

    // A provider that answers a bad key by echoing it, headers and all.
    fixture.standIn.failWith(keys.rejected, {
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${keys.rejected}` } },
      echoRequestHeaders: true,
    } as Parameters<typeof fixture.standIn.failWith>[1]);

    const steps: Step[] = [
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { mode: 'byok', openai_api_key: keys.openai } },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { anthropic_api_key: keys.anthropic } },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: {
          providerConfig: {
            azure_openai_endpoint: azureEndpoint,
            azure_openai_key: keys.azure,
            azure_openai_deployment_id: 'gpt-4o',
            azure_openai_region: 'swedencentral',
          },
        },
      },
      { method: 'GET', path: CONFIG_PATH, token: owner },
      { method: 'GET', path: CONFIG_PATH, token: member },
      { method: 'POST', path: '/v1/chat/completions', token: owner, body: CHAT_BODY },
      {
        method: 'POST',
        path: '/v1/chat/completions',
        token: owner,
        body: { ...CHAT_BODY, stream: true },
      },
      { method: 'POST', path: '/dashboard/account/config/verify', token: owner },
      { method: 'GET', path: '/dashboard/account/audit-log', token: member },
      { method: 'GET', path: '/dashboard/account/audit-log/verify', token: owner },
      { method: 'GET', path: '/healthz' },
      { method: 'GET', path: '/readyz' },
      { method: 'GET', path: '/metrics' },
      { method: 'GET', path: '/openapi.json' },

      // Refused writes that carry a key in every position a client could put one.
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: member,
        body: { providerConfig: { openai_api_key: keys.openai } },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { openai_apikey: keys.openai, [keys.anthropic]: keys.azure } },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { anthropic_api_key: `${keys.anthropic}\n` } },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { azure_openai_endpoint: `https://${keys.azure}@example.com/` } },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { mode: keys.openai } },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { mode: 'liya_managed', azure_openai_key: keys.azure } },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        rawBody: `{"providerConfig":{"openai_api_key":"${keys.openai}"`,
        headers: { 'content-type': 'application/json' },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { openai_api_key: keys.openai } },
        headers: { 'if-match': '"1"' },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { openai_api_key: keys.openai } },
        headers: { 'if-match': keys.openai },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        headers: { authorization: `Bearer ${keys.openai}` },
        body: { providerConfig: { openai_api_key: keys.openai } },
      },
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        rawBody: keys.openai,
        headers: { 'content-type': 'text/plain' },
      },
      {
        method: 'POST',
        path: '/v1/chat/completions',
        token: owner,
        body: { ...CHAT_BODY, api_key: keys.openai },
      },
      {
        method: 'POST',
        path: '/v1/chat/completions',
        token: owner,
        body: { ...CHAT_BODY, model: keys.anthropic },
      },
      { method: 'GET', path: `/dashboard/account/audit-log?cursor=${keys.azure}`, token: owner },
      { method: 'GET', path: `/no-such-route/${keys.openai}` },
      { method: 'GET', path: `/dashboard/account/config?key=${keys.openai}`, token: owner },

      // A tenant whose provider echoes its rejected key back.
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: rejecting,
        body: { providerConfig: { mode: 'byok', openai_api_key: keys.rejected } },
      },
      { method: 'POST', path: '/v1/chat/completions', token: rejecting, body: CHAT_BODY },
      {
        method: 'POST',
        path: '/v1/chat/completions',
        token: rejecting,
        body: { ...CHAT_BODY, stream: true },
      },
      { method: 'POST', path: '/dashboard/account/config/verify', token: rejecting },

      // And back to managed keys.
      {
        method: 'PATCH',
        path: CONFIG_PATH,
        token: owner,
        body: { providerConfig: { mode: 'liya_managed' } },
      },
      { method: 'GET', path: CONFIG_PATH, token: owner },
    ];

    const statuses: string[] = [];
    for (const step of steps) {
      const response = await fixture.request(step.method, step.path, {
        token: step.token,
        headers: step.headers,
        ...(step.body !== undefined ? { body: step.body } : {}),
        ...(step.rawBody !== undefined ? { rawBody: step.rawBody } : {}),
      });

      statuses.push(`${step.method} ${step.path.slice(0, 40)} ${response.status}`);
    }

    // The keys really reached the providers, so they were really stored and used.
    const keysSeen = new Set(fixture.standIn.calls.map((call) => call.apiKey));

    expect(keysSeen).toContain(keys.azure);
    expect(keysSeen).toContain(keys.rejected);

    expect(fixture.responses).toHaveLength(steps.length);
    expect(statuses.filter((line) => / [45]\d\d$/.test(line)).length).toBeGreaterThan(10);
    expect(findLeaks(responseHaystacks(fixture), planted)).toEqual([]);
  });

  it('exercised every route the OpenAPI document lists', () => {
    const documentResponse = fixture.responses.find(
      (response) => response.path === '/openapi.json',
    );
    const document = JSON.parse(documentResponse?.body ?? '{}') as {
      paths?: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const exercised = new Set(
      fixture.responses.map((response) => `${response.method} ${response.path.split('?')[0]}`),
    );

    expect(documented.length).toBeGreaterThanOrEqual(9);
    expect(documented.filter((route) => !exercised.has(route))).toEqual([]);
  });

  it('wrote no key into any log line of any service either', () => {
    const lines = fixture.logs.map((entry, index) => ({
      where: `${entry.service} log line ${index}`,
      text: entry.line,
    }));

    expect(lines.length).toBeGreaterThan(0);
    expect(findLeaks(lines, planted)).toEqual([]);
  });

  it('searched for runs of the random part, not the whole key', () => {
    const shortened = {
      where: 'probe',
      text: `masked: ****${randomPartOf(keys.openai).slice(5, 13)}`,
    };

    expect(findLeaks([shortened], [keys.openai])).toHaveLength(1);
  });
});
