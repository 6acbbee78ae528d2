import { type ProviderConfigPatch, ServiceError } from '@liya/contracts';

import {
  applyPatch,
  assertMayWrite,
  assertPlanAllows,
  type ConfigState,
  EMPTY_CONFIG,
  snapshotOf,
  viewOf,
} from './config-policy';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof ServiceError ? error.code : 'not a ServiceError';
  }

  return undefined;
}

function apply(state: ConfigState, patch: ProviderConfigPatch): ConfigState {
  return applyPatch(state, patch, 'growth').next;
}

const ALL_PROVIDERS = apply(EMPTY_CONFIG, {
  mode: 'byok',
  openai_api_key: 'sk-o',
  openai_organization: 'org-a',
  anthropic_api_key: 'sk-a',
  azure_openai_endpoint: 'https://acme.openai.azure.com/',
  azure_openai_key: 'az',
  azure_openai_deployment_id: 'gpt-4o',
  azure_openai_region: 'eastus',
});

describe('the configuration rules', () => {
  it('merges: a later key adds to the earlier ones', () => {
    const openai = apply(EMPTY_CONFIG, { mode: 'byok', openai_api_key: 'sk-o' });
    const both = apply(openai, { anthropic_api_key: 'sk-a' });

    expect(snapshotOf(both)).toEqual({ mode: 'byok', providers: ['anthropic', 'openai'] });
  });

  it('removes a field sent as null and reports which secrets to erase', () => {
    const outcome = applyPatch(
      ALL_PROVIDERS,
      { anthropic_api_key: null, azure_openai_region: null },
      'growth',
    );

    expect(outcome.secretsToErase).toEqual(['anthropic_api_key']);
    expect(outcome.secretsToWrite).toEqual([]);
    expect(outcome.next.azureRegion).toBeNull();
    expect(snapshotOf(outcome.next).providers).toEqual(['azure', 'openai']);
  });

  it('uses Azure only with endpoint, key and deployment id together', () => {
    const withoutDeployment = apply(ALL_PROVIDERS, { azure_openai_deployment_id: null });
    const withoutEndpoint = apply(ALL_PROVIDERS, { azure_openai_endpoint: null });
    const withoutKey = apply(ALL_PROVIDERS, { azure_openai_key: null });

    for (const state of [withoutDeployment, withoutEndpoint, withoutKey]) {
      expect(viewOf(state, 1, null).providerConfig.active_provider).toBe('anthropic');
    }
    expect(viewOf(ALL_PROVIDERS, 1, null).providerConfig.active_provider).toBe('azure');
  });

  it('reverting erases every key and setting', () => {
    const outcome = applyPatch(ALL_PROVIDERS, { mode: 'liya_managed' }, 'free');

    expect(outcome.next).toEqual(EMPTY_CONFIG);
    expect(outcome.secretsToErase.sort()).toEqual([
      'anthropic_api_key',
      'azure_openai_key',
      'openai_api_key',
    ]);
  });

  it.each([
    ['no usable provider', EMPTY_CONFIG, { mode: 'byok' }, 'no_usable_provider'],
    [
      'removing the last key',
      apply(EMPTY_CONFIG, { mode: 'byok', openai_api_key: 'k' }),
      { openai_api_key: null },
      'no_usable_provider',
    ],
    ['settings without byok', EMPTY_CONFIG, { openai_api_key: 'k' }, 'byok_mode_required'],
    [
      'a revert that sets a key',
      ALL_PROVIDERS,
      { mode: 'liya_managed', openai_api_key: 'k' },
      'conflicting_fields',
    ],
  ] as const)('refuses %s', (_name, state, patch, code) => {
    expect(codeOf(() => applyPatch(state, patch as ProviderConfigPatch, 'growth'))).toBe(code);
  });

  it.each([
    ['free', 'plan_not_eligible'],
    ['starter', 'plan_not_eligible'],
    ['growth', undefined],
    ['enterprise', undefined],
  ] as const)('on the %s plan, byok answers %s', (plan, code) => {
    expect(codeOf(() => assertPlanAllows({ mode: 'byok', openai_api_key: 'k' }, plan))).toBe(code);
    expect(codeOf(() => assertPlanAllows({ mode: 'liya_managed' }, plan))).toBeUndefined();
  });

  it.each([
    ['owner', undefined],
    ['admin', undefined],
    ['member', 'forbidden_role'],
  ] as const)('the %s role writes: %s', (role, code) => {
    expect(codeOf(() => assertMayWrite(role))).toBe(code);
  });
});
