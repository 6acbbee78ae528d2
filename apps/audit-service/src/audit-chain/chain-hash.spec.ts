import type { ByokConfigUpdatedEvent } from '@liya/contracts';

import { canonicalJson, CHAIN_GENESIS_HASH, chainHash } from './chain-hash';

const event: ByokConfigUpdatedEvent = {
  schema_version: 1,
  event_id: '0b7c2f0e-6a4e-4a63-9d35-3f1b8f0d9a11',
  action: 'byok_config_updated',
  tenant_id: 'acme',
  actor_id: 'user-1',
  occurred_at: '2026-12-04T10:00:00.000Z',
  before: { mode: 'liya_managed', providers: [] },
  after: { mode: 'byok', providers: ['openai', 'anthropic'] },
  config_version: 1,
  request_id: 'req-1',
  source_ip: '127.0.0.1',
  user_agent: null,
};

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
  });

  it('gives the same text for the same content in any key order', () => {
    const reordered = Object.fromEntries(Object.entries(event).reverse());

    expect(canonicalJson(reordered)).toBe(canonicalJson(event));
  });
});

describe('chainHash', () => {
  const base = chainHash(CHAIN_GENESIS_HASH, { chainIndex: 1, event });

  it('is a SHA-256 hex digest and deterministic', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(CHAIN_GENESIS_HASH, { chainIndex: 1, event: { ...event } })).toBe(base);
  });

  it.each([
    ['actor_id', { actor_id: 'mallory' }],
    ['after', { after: { mode: 'byok', providers: ['openai'] } }],
    ['occurred_at', { occurred_at: '2026-12-04T10:00:00.001Z' }],
    ['source_ip', { source_ip: null }],
    ['config_version', { config_version: 2 }],
  ])('changes when %s changes', (_field, change) => {
    const altered = { ...event, ...change } as ByokConfigUpdatedEvent;

    expect(chainHash(CHAIN_GENESIS_HASH, { chainIndex: 1, event: altered })).not.toBe(base);
  });

  it('changes with the previous hash and with the position in the chain', () => {
    expect(chainHash('f'.repeat(64), { chainIndex: 1, event })).not.toBe(base);
    expect(chainHash(CHAIN_GENESIS_HASH, { chainIndex: 2, event })).not.toBe(base);
  });
});
