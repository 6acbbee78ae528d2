import type { ProviderMode, ProviderName } from './providers';

/**
 * What the dashboard sees of a tenant's configuration. It says which providers are configured and
 * shows their non-secret settings; it has no field that could carry a key in any form.
 */
export interface ProviderConfigView {
  providerConfig: {
    mode: ProviderMode;
    active_provider: ProviderName | null;
    openai: { configured: boolean; organization?: string };
    anthropic: { configured: boolean };
    azure: { configured: boolean; endpoint?: string; deployment_id?: string; region?: string };
  };
  version: number;
  updatedAt: string | null;
}
