/** Hosts accepted as Azure endpoints beyond Azure's own (PROVIDER_HOST_ALLOWLIST). */
export const PROVIDER_HOST_ALLOWLIST = Symbol('PROVIDER_HOST_ALLOWLIST');
