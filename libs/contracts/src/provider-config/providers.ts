export const PROVIDER_NAMES = ['azure', 'anthropic', 'openai'] as const;

/** Routing priority: the first usable provider in this list serves a BYOK tenant. */
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export type ProviderMode = 'byok' | 'liya_managed';

export type KeySource = 'byok' | 'managed';

/** The secret fields of a tenant's configuration; each is stored only as a ciphertext. */
export const SECRET_FIELDS = ['openai_api_key', 'anthropic_api_key', 'azure_openai_key'] as const;

export type SecretField = (typeof SECRET_FIELDS)[number];

export const BYOK_ELIGIBLE_PLANS = ['growth', 'enterprise'] as const;

export const PLANS = ['free', 'starter', 'growth', 'enterprise'] as const;

export type Plan = (typeof PLANS)[number];

export const ROLES = ['owner', 'admin', 'member'] as const;

export type Role = (typeof ROLES)[number];

export const CONFIG_WRITER_ROLES: readonly Role[] = ['owner', 'admin'];

export function isByokEligible(plan: Plan): boolean {
  return (BYOK_ELIGIBLE_PLANS as readonly string[]).includes(plan);
}
