import { rpcContract } from '../rpc/rpc-contract';
import type { ServiceErrorBody } from '../errors/service-error';
import type { SecretField } from '../provider-config/providers';

/**
 * crypto-service's operations. Who may request which is enforced by the NATS server's subject
 * permissions: encrypt and rewrap only config-service, decrypt only inference-router.
 */
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

/** Re-encrypt under the active key version; the plaintext never leaves crypto-service. */
export interface RewrapRequest {
  tenantId: string;
  field: SecretField;
  ciphertext: string;
}

export interface RewrapReply {
  ciphertext: string;
  keyVersion: string;
  /** False when the ciphertext was already under the active version and comes back unchanged. */
  rewrapped: boolean;
}

/** Most items one batch request may carry. */
export const CRYPTO_BATCH_MAX_ITEMS = 100;

export interface BatchRequest<TItem> {
  items: TItem[];
}

/** One outcome per item, in request order: a failing item does not fail the others. */
export type BatchItemResult<TValue> =
  { ok: true; value: TValue } | { ok: false; error: ServiceErrorBody };

export interface BatchReply<TValue> {
  /** The version new ciphertexts are made under, even for an empty batch. */
  activeKeyVersion: string;
  results: Array<BatchItemResult<TValue>>;
}

export type EncryptBatchRequest = BatchRequest<EncryptRequest>;
export type EncryptBatchReply = BatchReply<EncryptReply>;
export type DecryptBatchRequest = BatchRequest<DecryptRequest>;
export type DecryptBatchReply = BatchReply<DecryptReply>;
export type RewrapBatchRequest = BatchRequest<RewrapRequest>;
export type RewrapBatchReply = BatchReply<RewrapReply>;

export const CryptoRpc = {
  encrypt: rpcContract<EncryptRequest, EncryptReply>('crypto.encrypt'),
  decrypt: rpcContract<DecryptRequest, DecryptReply>('crypto.decrypt'),
  rewrap: rpcContract<RewrapRequest, RewrapReply>('crypto.rewrap'),
  encryptBatch: rpcContract<EncryptBatchRequest, EncryptBatchReply>('crypto.encrypt.batch'),
  decryptBatch: rpcContract<DecryptBatchRequest, DecryptBatchReply>('crypto.decrypt.batch'),
  rewrapBatch: rpcContract<RewrapBatchRequest, RewrapBatchReply>('crypto.rewrap.batch'),
};
