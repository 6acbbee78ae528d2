import {
  CONFIG_WRITER_ROLES,
  type ConfigSnapshot,
  isByokEligible,
  type Plan,
  type ProviderConfigPatch,
  type ProviderConfigView,
  type ProviderMode,
  type ProviderName,
  type Role,
  SECRET_FIELDS,
  type SecretField,
  ServiceError,
} from '@liya/contracts';

/** A tenant's configuration as the rules see it: settings, and which keys are stored. */
export interface ConfigState {
  mode: ProviderMode;
  openaiOrganization: string | null;
  azureEndpoint: string | null;
  azureDeploymentId: string | null;
  azureRegion: string | null;
  storedSecrets: ReadonlySet<SecretField>;
}

export interface PatchOutcome {
  next: ConfigState;
  secretsToWrite: SecretField[];
  secretsToErase: SecretField[];
}

export const EMPTY_CONFIG: ConfigState = {
  mode: 'liya_managed',
  openaiOrganization: null,
  azureEndpoint: null,
  azureDeploymentId: null,
  azureRegion: null,
  storedSecrets: new Set(),
};

const PROVIDER_FIELDS = [
  'openai_api_key',
  'openai_organization',
  'anthropic_api_key',
  'azure_openai_endpoint',
  'azure_openai_key',
  'azure_openai_deployment_id',
  'azure_openai_region',
] as const satisfies ReadonlyArray<keyof ProviderConfigPatch>;

export function assertMayWrite(role: Role): void {
  if (!CONFIG_WRITER_ROLES.includes(role)) {
    throw new ServiceError('forbidden_role', 'only an owner or admin may change the configuration');
  }
}

/** Only reverting to `liya_managed` is open to plans without BYOK; any other write is refused. */
export function assertPlanAllows(patch: ProviderConfigPatch, plan: Plan): void {
  if (!isByokEligible(plan) && patch.mode !== 'liya_managed') throw planNotEligible();
}

function planNotEligible(): ServiceError {
  return new ServiceError(
    'plan_not_eligible',
    'BYOK is available on the Growth and Enterprise plans',
  );
}

/** Usable providers in routing priority: Azure needs endpoint, key and deployment together. */
export function usableProviders(state: ConfigState): ProviderName[] {
  const providers: ProviderName[] = [];
  const has = (field: SecretField) => state.storedSecrets.has(field);

  if (has('azure_openai_key') && state.azureEndpoint && state.azureDeploymentId) {
    providers.push('azure');
  }
  if (has('anthropic_api_key')) providers.push('anthropic');
  if (has('openai_api_key')) providers.push('openai');

  return providers;
}

export function snapshotOf(state: ConfigState): ConfigSnapshot {
  return { mode: state.mode, providers: state.mode === 'byok' ? usableProviders(state) : [] };
}

/**
 * Applies a PATCH under merge semantics: named fields change, `null` removes, the rest stays.
 * Reverting to `liya_managed` erases every key and setting; the result of any other write must be
 * a BYOK configuration with at least one usable provider, on a plan that allows BYOK.
 */
export function applyPatch(
  state: ConfigState,
  patch: ProviderConfigPatch,
  plan: Plan,
): PatchOutcome {
  const namesProviderValue = PROVIDER_FIELDS.some((field) => patch[field] != null);

  if (patch.mode === 'liya_managed') {
    if (namesProviderValue) {
      throw new ServiceError(
        'conflicting_fields',
        'providerConfig.mode "liya_managed" erases every provider setting; send it alone',
        { field: 'providerConfig.mode' },
      );
    }

    return { next: EMPTY_CONFIG, secretsToWrite: [], secretsToErase: [...state.storedSecrets] };
  }

  const mode = patch.mode ?? state.mode;
  if (mode !== 'byok') {
    throw new ServiceError(
      'byok_mode_required',
      'provider settings are stored only in mode "byok"; set providerConfig.mode to "byok"',
      { field: 'providerConfig.mode' },
    );
  }

  if (!isByokEligible(plan)) throw planNotEligible();

  const storedSecrets = new Set(state.storedSecrets);
  const secretsToWrite: SecretField[] = [];
  const secretsToErase: SecretField[] = [];

  for (const field of SECRET_FIELDS) {
    const value = patch[field];
    if (value === undefined) continue;

    if (value === null) {
      if (storedSecrets.delete(field)) secretsToErase.push(field);
    } else {
      storedSecrets.add(field);
      secretsToWrite.push(field);
    }
  }

  const next: ConfigState = {
    mode,
    openaiOrganization: merge(state.openaiOrganization, patch.openai_organization),
    azureEndpoint: merge(state.azureEndpoint, patch.azure_openai_endpoint),
    azureDeploymentId: merge(state.azureDeploymentId, patch.azure_openai_deployment_id),
    azureRegion: merge(state.azureRegion, patch.azure_openai_region),
    storedSecrets,
  };

  if (usableProviders(next).length === 0) {
    throw new ServiceError(
      'no_usable_provider',
      'mode "byok" needs a usable provider: an OpenAI key, an Anthropic key, or an Azure ' +
        'endpoint, key and deployment id together',
    );
  }

  return { next, secretsToWrite, secretsToErase };
}

function merge(current: string | null, change: string | null | undefined): string | null {
  return change === undefined ? current : change;
}

export function viewOf(
  state: ConfigState,
  version: number,
  updatedAt: Date | null,
): ProviderConfigView {
  const usable = state.mode === 'byok' ? usableProviders(state) : [];
  const configured = (provider: ProviderName) => usable.includes(provider);

  const openai: ProviderConfigView['providerConfig']['openai'] = {
    configured: configured('openai'),
  };
  if (state.openaiOrganization) openai.organization = state.openaiOrganization;

  const azure: ProviderConfigView['providerConfig']['azure'] = { configured: configured('azure') };
  if (state.azureEndpoint) azure.endpoint = state.azureEndpoint;
  if (state.azureDeploymentId) azure.deployment_id = state.azureDeploymentId;
  if (state.azureRegion) azure.region = state.azureRegion;

  return {
    providerConfig: {
      mode: state.mode,
      active_provider: usable[0] ?? null,
      openai,
      anthropic: { configured: configured('anthropic') },
      azure,
    },
    version,
    updatedAt: updatedAt ? updatedAt.toISOString() : null,
  };
}
