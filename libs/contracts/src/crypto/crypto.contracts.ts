import { rpcContract } from '../rpc/rpc-contract';
import type { SecretField } from '../provider-config/providers';

export interface EncryptRequest {
  tenantId: string;
  field: SecretField;
  plaintext: string;
}

export interface EncryptReply {
  ciphertext: string;
  keyVersion: string;
}

export interface DecryptRequest {
  tenantId: string;
  field: SecretField;
  ciphertext: string;
}

export interface DecryptReply {
  plaintext: string;
}

export const CryptoRpc = {
  encrypt: rpcContract<EncryptRequest, EncryptReply>('crypto.encrypt'),
  decrypt: rpcContract<DecryptRequest, DecryptReply>('crypto.decrypt'),
};
