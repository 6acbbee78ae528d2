import { rpcContract } from '../rpc/rpc-contract';
import type { ProviderMode, ProviderName } from '../provider-config/providers';

/** What a cheap authenticated call to the provider said about a tenant's key. */
export type KeyVerificationStatus = 'ok' | 'rejected' | 'unreachable';

export interface VerifyKeysRequest {
  tenantId: string;
  requestId: string;
}

export interface ProviderKeyVerification {
  provider: ProviderName;
  status: KeyVerificationStatus;
  /** Our own words: which check failed, never the provider's text. */
  detail?: string;
}

/** One entry per configured provider, in routing order; no key in any form. */
export interface VerifyKeysReply {
  mode: ProviderMode;
  results: ProviderKeyVerification[];
  checkedAt: string;
}

export const KeyVerificationRpc = {
  verify: rpcContract<VerifyKeysRequest, VerifyKeysReply>('inference.keys.verify'),
};
