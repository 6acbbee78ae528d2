import { parseAuditMessage } from './parse-audit-message';

const asMessage = (text: string) => ({
  json: <T>() => JSON.parse(text) as T,
});

describe('parseAuditMessage', () => {
  it('refuses a body that is not JSON', () => {
    expect(parseAuditMessage(asMessage('{nope'))).toEqual({ ok: false, reason: 'not JSON' });
  });

  it('names the mismatching fields but never their values', () => {
    const planted = 'sk-proj-0123456789abcdef';
    const parsed = parseAuditMessage(
      asMessage(JSON.stringify({ schema_version: 1, tenant_id: 'acme', openai_api_key: planted })),
    );

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toMatch(/^schema mismatch at /);
    expect(parsed.reason).toContain('event_id');
    expect(parsed.reason).not.toContain(planted);
  });

  it('accepts a version 1 event', () => {
    const event = {
      schema_version: 1,
      event_id: '0b7c2f0e-6a4e-4a63-9d35-3f1b8f0d9a11',
      action: 'byok_config_updated',
      tenant_id: 'acme',
      actor_id: 'user-1',
      occurred_at: '2026-12-04T10:00:00.000Z',
      before: { mode: 'liya_managed', providers: [] },
      after: { mode: 'byok', providers: ['openai'] },
      config_version: 1,
      request_id: 'req-1',
      source_ip: null,
      user_agent: null,
    };

    expect(parseAuditMessage(asMessage(JSON.stringify(event)))).toEqual({ ok: true, event });
  });
});
