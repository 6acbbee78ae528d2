import { connect } from 'node:net';

import {
  canaryKey,
  findLeaks,
  startSystemFixture,
  type SystemFixture,
} from '../support/system-fixture';

const CHAT_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };

describe('the BYOK path, end to end on real PostgreSQL and NATS', () => {
  let fixture: SystemFixture;
  const acmeKey = canaryKey('sk-proj-');
  let ownerToken: string;

  beforeAll(async () => {
    fixture = await startSystemFixture();
    ownerToken = fixture.tokenFor({ tenantId: 'acme', role: 'owner', plan: 'growth' });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('stores an OpenAI key and answers with the redacted view', async () => {
    const response = await fixture.request('PATCH', '/dashboard/account/config', {
      token: ownerToken,
      body: {
        providerConfig: { mode: 'byok', openai_api_key: acmeKey, openai_organization: 'org-acme' },
      },
    });

    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      providerConfig: {
        mode: 'byok',
        active_provider: 'openai',
        openai: { configured: true, organization: 'org-acme' },
        anthropic: { configured: false },
        azure: { configured: false },
      },
      version: 1,
      updatedAt: expect.any(String),
    });
  });

  it('reads back the same redacted view', async () => {
    const response = await fixture.request('GET', '/dashboard/account/config', {
      token: ownerToken,
    });

    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({
      providerConfig: { mode: 'byok', active_provider: 'openai', openai: { configured: true } },
      version: 1,
    });
  });

  it('keeps only a ciphertext of the key in the database', async () => {
    const rows = await fixture.query<{ field: string; ciphertext: string }>(
      `SELECT field, ciphertext FROM byok_config.tenant_secrets WHERE tenant_id = 'acme'`,
    );

    expect(rows).toHaveLength(1);
    expect(rows[0]?.field).toBe('openai_api_key');
    expect(rows[0]?.ciphertext).toMatch(/^lbk1:1:/);
    expect(findLeaks([{ where: 'tenant_secrets', text: JSON.stringify(rows) }], [acmeKey])).toEqual(
      [],
    );
  });

  it('routes the tenant chat completion to OpenAI with the tenant key', async () => {
    fixture.standIn.reset();

    const response = await fixture.request('POST', '/v1/chat/completions', {
      token: ownerToken,
      body: CHAT_BODY,
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-liya-provider')).toBe('openai');
    expect(response.headers.get('x-liya-key-source')).toBe('byok');
    expect(response.json()).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'stand-in reply from openai' } }],
    });

    expect(fixture.standIn.calls).toHaveLength(1);
    expect(fixture.standIn.calls[0]?.headers.authorization).toBe(`Bearer ${acmeKey}`);
    expect(fixture.standIn.calls[0]?.headers['openai-organization']).toBe('org-acme');
  });

  it('routes a tenant in liya_managed mode with the managed key', async () => {
    fixture.standIn.reset();
    const managedToken = fixture.tokenFor({ tenantId: 'globex', role: 'member', plan: 'free' });

    const response = await fixture.request('POST', '/v1/chat/completions', {
      token: managedToken,
      body: CHAT_BODY,
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-liya-key-source')).toBe('managed');
    expect(fixture.standIn.calls).toHaveLength(1);
    expect(fixture.standIn.calls[0]?.headers.authorization).toBe(
      `Bearer ${fixture.managedOpenAiKey}`,
    );
  });

  it('records exactly one audit event for the PATCH', async () => {
    const events = await fixture.waitFor(async () => {
      const response = await fixture.request('GET', '/dashboard/account/audit-log', {
        token: ownerToken,
      });
      const body = response.json() as { events: unknown[] };

      return body.events.length > 0 ? body.events : undefined;
    }, 'the audit event');

    expect(events).toEqual([
      expect.objectContaining({
        action: 'byok_config_updated',
        tenant_id: 'acme',
        before: { mode: 'liya_managed', providers: [] },
        after: { mode: 'byok', providers: ['openai'] },
      }),
    ]);
  });

  it('never returned the key in any response', () => {
    const haystacks = fixture.responses.map((response) => ({
      where: `${response.method} ${response.path} (${response.status})`,
      text: JSON.stringify(response.headers) + response.body,
    }));

    expect(fixture.responses.length).toBeGreaterThanOrEqual(5);
    expect(findLeaks(haystacks, [acmeKey])).toEqual([]);
  });
});

describe('requests the gateway cannot take', () => {
  let fixture: SystemFixture;
  let token: string;

  beforeAll(async () => {
    fixture = await startSystemFixture();
    token = fixture.tokenFor({ tenantId: 'limits', role: 'owner', plan: 'growth' });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('serves a chat prompt far over the dashboard limit', async () => {
    const prompt = 'long context '.repeat(40_000);
    const response = await fixture.request('POST', '/v1/chat/completions', {
      token,
      body: { ...CHAT_BODY, messages: [{ role: 'user', content: prompt }] },
    });

    expect(response.status).toBe(200);
  });

  it('refuses a chat body over the bus limit', async () => {
    const prompt = 'x'.repeat(800 * 1024);
    const response = await fixture.request('POST', '/v1/chat/completions', {
      token,
      body: { ...CHAT_BODY, messages: [{ role: 'user', content: prompt }] },
    });

    expect(response.status).toBe(413);
    expect(response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('holds a chunked dashboard body to 64 KiB', async () => {
    const body = JSON.stringify({ providerConfig: { mode: 'byok', pad: 'x'.repeat(70_000) } });
    const chunks = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });

    const response = await fetch(`${fixture.system.gatewayUrl}/dashboard/account/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('answers a request that is not valid HTTP with a code', async () => {
    const { port } = new URL(fixture.system.gatewayUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: a\u0001b\r\n\r\n');
      });

      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });

    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"code":"invalid_request"');
  });
});

describe('the source address in the audit log', () => {
  const sourceIpOf = async (fixture: SystemFixture, tenantId: string) => {
    const token = fixture.tokenFor({ tenantId, role: 'owner', plan: 'growth' });

    await fixture.request('PATCH', '/dashboard/account/config', {
      token,
      body: { providerConfig: { mode: 'liya_managed' } },
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    const [row] = await fixture.waitFor(async () => {
      const rows = await fixture.query<{ source_ip: string }>(
        `SELECT payload->>'source_ip' AS source_ip FROM byok_config.outbox_events
          WHERE tenant_id = $1`,
        [tenantId],
      );

      return rows.length > 0 ? rows : undefined;
    }, 'the outbox event');

    return row?.source_ip;
  };

  it('is the peer address unless a trusted proxy is configured', async () => {
    const fixture = await startSystemFixture();

    try {
      expect(await sourceIpOf(fixture, 'direct')).toBe('127.0.0.1');
    } finally {
      await fixture.close();
    }
  });

  it('is the forwarded client address behind a configured proxy', async () => {
    const fixture = await startSystemFixture({
      extraEnv: { gateway: { TRUSTED_PROXY_HOPS: '1' } },
    });

    try {
      expect(await sourceIpOf(fixture, 'proxied')).toBe('203.0.113.7');
    } finally {
      await fixture.close();
    }
  });
});
