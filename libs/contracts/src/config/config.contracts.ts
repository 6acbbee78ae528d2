import { rpcContract } from '../rpc/rpc-contract';
import type { ProviderConfigPatch } from '../provider-config/config-patch';
import type { ProviderConfigView } from '../provider-config/config-view';
import type { Plan, ProviderMode, Role } from '../provider-config/providers';

/** Who acts and how the request reached us, as the gateway verified it. */
export interface Actor {
  tenantId: string;
  userId: string;
  role: Role;
  plan: Plan;
}

export interface RequestMeta {
  requestId: string;
  sourceIp: string | null;
  userAgent: string | null;
}

export interface GetConfigRequest {
  tenantId: string;
}

export interface UpdateConfigRequest {
  actor: Actor;
  meta: RequestMeta;
  patch: ProviderConfigPatch;
  expectedVersion?: number;
}

export interface ResolveConfigRequest {
  tenantId: string;
}

/**
 * The router's view: ciphertexts and the settings needed to call each provider. Plaintext keys
 * never travel in this message.
 */
export interface ResolvedConfig {
  tenantId: string;
  mode: ProviderMode;
  version: number;
  openai?: { ciphertext: string; organization?: string };
  anthropic?: { ciphertext: string };
  azure?: { ciphertext: string; endpoint: string; deploymentId: string; region?: string };
}

export const ConfigRpc = {
  get: rpcContract<GetConfigRequest, ProviderConfigView>('config.get'),
  update: rpcContract<UpdateConfigRequest, ProviderConfigView>('config.update'),
  resolve: rpcContract<ResolveConfigRequest, ResolvedConfig>('config.resolve'),
};

/** Published (core NATS, no reply) after each committed change, so caches can drop the tenant. */
export const CONFIG_CHANGED_SUBJECT_PREFIX = 'config.changed';

/**
 * The tenant's token in the subject is hex: a tenant id may hold dots, which NATS reads as token
 * separators (`a..b` or a trailing dot is not a valid subject). Listeners read the tenant from
 * the message body.
 */
export function configChangedSubject(tenantId: string): string {
  return `${CONFIG_CHANGED_SUBJECT_PREFIX}.${Buffer.from(tenantId, 'utf8').toString('hex')}`;
}

export interface ConfigChangedEvent {
  tenantId: string;
  version: number;
}
