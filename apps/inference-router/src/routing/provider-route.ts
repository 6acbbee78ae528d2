import {
  type KeySource,
  type ProviderName,
  type ResolvedConfig,
  type SecretField,
  ServiceError,
} from '@liya/contracts';

/** Where the key of a call comes from: a tenant ciphertext to decrypt, or a managed key. */
export type RouteKey =
  | { source: 'byok'; field: SecretField; ciphertext: string }
  | { source: 'managed'; apiKey: string };

export type ProviderRoute =
  | { provider: 'openai'; key: RouteKey; organization?: string }
  | { provider: 'anthropic'; key: RouteKey }
  | {
      provider: 'azure';
      key: RouteKey & { source: 'byok' };
      endpoint: string;
      deploymentId: string;
    };

export interface ManagedKeys {
  openai?: string;
  anthropic?: string;
}

export function keySourceOf(route: ProviderRoute): KeySource {
  return route.key.source;
}

export function isClaudeModel(model: string): boolean {
  return model.toLowerCase().startsWith('claude');
}

/**
 * The model a provider is asked for: Azure serves the tenant's deployment whatever was requested,
 * Anthropic the requested model when it is a Claude model (else the configured default), OpenAI
 * the requested model.
 */
export function modelFor(route: ProviderRoute, requested: string, anthropicDefault: string) {
  if (route.provider === 'azure') return route.deploymentId;
  if (route.provider === 'anthropic')
    return isClaudeModel(requested) ? requested : anthropicDefault;

  return requested;
}

/** Every usable BYOK provider of a configuration, in routing order: Azure, Anthropic, OpenAI. */
export function byokRoutes(config: ResolvedConfig): ProviderRoute[] {
  const routes: ProviderRoute[] = [];

  if (config.azure) {
    routes.push({
      provider: 'azure',
      key: { source: 'byok', field: 'azure_openai_key', ciphertext: config.azure.ciphertext },
      endpoint: config.azure.endpoint,
      deploymentId: config.azure.deploymentId,
    });
  }

  if (config.anthropic) {
    routes.push({
      provider: 'anthropic',
      key: { source: 'byok', field: 'anthropic_api_key', ciphertext: config.anthropic.ciphertext },
    });
  }

  if (config.openai) {
    const route: ProviderRoute = {
      provider: 'openai',
      key: { source: 'byok', field: 'openai_api_key', ciphertext: config.openai.ciphertext },
    };
    if (config.openai.organization) route.organization = config.openai.organization;

    routes.push(route);
  }

  return routes;
}

/**
 * Picks the provider of one call. A BYOK tenant gets its first usable provider in the order Azure,
 * Anthropic, OpenAI, with its own key and nothing else: there is no fallback to a managed key, which
 * would bill us without the tenant knowing. A managed tenant gets the platform's keys, which only
 * ever go to the platform's configured provider URLs, never to a tenant-supplied endpoint.
 */
export function selectRoute(
  config: ResolvedConfig,
  managed: ManagedKeys,
  model: string,
): ProviderRoute {
  if (config.mode !== 'byok') return selectManagedRoute(managed, model);

  const route = byokRoutes(config)[0];
  if (!route) {
    throw new ServiceError('no_usable_provider', 'the tenant has BYOK on but no usable provider');
  }

  return route;
}

function selectManagedRoute(managed: ManagedKeys, model: string): ProviderRoute {
  const preferred: ProviderName[] = isClaudeModel(model)
    ? ['anthropic', 'openai']
    : ['openai', 'anthropic'];

  for (const provider of preferred) {
    const apiKey = managed[provider as keyof ManagedKeys];
    if (apiKey && provider !== 'azure') {
      return { provider, key: { source: 'managed', apiKey } };
    }
  }

  throw new ServiceError(
    'managed_provider_unavailable',
    'no managed provider key is configured on this deployment',
    { retryAfterSeconds: 30 },
  );
}
