import { type ResolvedConfig, ServiceError } from '@liya/contracts';

import { modelFor, selectRoute } from './provider-route';

const AZURE = {
  ciphertext: 'c-azure',
  endpoint: 'https://r.openai.azure.com/',
  deploymentId: 'd1',
};
const MANAGED = { openai: 'sk-managed-openai', anthropic: 'sk-managed-anthropic' };

function byok(parts: Partial<ResolvedConfig>): ResolvedConfig {
  return { tenantId: 't', mode: 'byok', version: 1, ...parts };
}

describe('selectRoute', () => {
  it('prefers Azure, then Anthropic, then OpenAI, each with its own ciphertext', () => {
    const all = byok({
      azure: AZURE,
      anthropic: { ciphertext: 'c-anthropic' },
      openai: { ciphertext: 'c-openai', organization: 'org-1' },
    });

    expect(selectRoute(all, MANAGED, 'gpt-4o')).toMatchObject({
      provider: 'azure',
      key: { source: 'byok', field: 'azure_openai_key', ciphertext: 'c-azure' },
    });
    expect(selectRoute({ ...all, azure: undefined }, MANAGED, 'gpt-4o')).toMatchObject({
      provider: 'anthropic',
      key: { source: 'byok', field: 'anthropic_api_key', ciphertext: 'c-anthropic' },
    });
    expect(
      selectRoute({ ...all, azure: undefined, anthropic: undefined }, MANAGED, 'gpt-4o'),
    ).toEqual({
      provider: 'openai',
      key: { source: 'byok', field: 'openai_api_key', ciphertext: 'c-openai' },
      organization: 'org-1',
    });
  });

  it('never falls back to a managed key for a BYOK tenant without a usable provider', () => {
    expect(() => selectRoute(byok({}), MANAGED, 'gpt-4o')).toThrow(
      expect.objectContaining({ code: 'no_usable_provider' }) as ServiceError,
    );
  });

  it('gives a managed tenant the managed key of the platform provider, never Azure', () => {
    const managed: ResolvedConfig = { tenantId: 't', mode: 'liya_managed', version: 0 };

    expect(selectRoute(managed, MANAGED, 'gpt-4o')).toEqual({
      provider: 'openai',
      key: { source: 'managed', apiKey: 'sk-managed-openai' },
    });
    expect(selectRoute(managed, MANAGED, 'claude-sonnet-4-5')).toMatchObject({
      provider: 'anthropic',
      key: { source: 'managed', apiKey: 'sk-managed-anthropic' },
    });
    expect(selectRoute(managed, { anthropic: 'a' }, 'gpt-4o').provider).toBe('anthropic');
    expect(() => selectRoute(managed, {}, 'gpt-4o')).toThrow(
      expect.objectContaining({ code: 'managed_provider_unavailable' }) as ServiceError,
    );
  });
});

describe('modelFor', () => {
  const azure = selectRoute(byok({ azure: AZURE }), {}, 'x');
  const anthropic = selectRoute(byok({ anthropic: { ciphertext: 'c' } }), {}, 'x');
  const openai = selectRoute(byok({ openai: { ciphertext: 'c' } }), {}, 'x');

  it('uses the deployment on Azure whatever was asked', () => {
    expect(modelFor(azure, 'gpt-4o-mini', 'claude-default')).toBe('d1');
  });

  it('passes a Claude model to Anthropic and replaces any other with the default', () => {
    expect(modelFor(anthropic, 'Claude-3-5-haiku', 'claude-default')).toBe('Claude-3-5-haiku');
    expect(modelFor(anthropic, 'gpt-4o', 'claude-default')).toBe('claude-default');
  });

  it('passes the requested model to OpenAI', () => {
    expect(modelFor(openai, 'gpt-4.1', 'claude-default')).toBe('gpt-4.1');
  });
});
