import {
  type BatchRequest,
  CRYPTO_BATCH_MAX_ITEMS,
  SECRET_FIELDS,
  type SecretField,
  ServiceError,
} from '@liya/contracts';
import { MAX_CIPHERTEXT_LENGTH, MAX_PLAINTEXT_BYTES } from '@liya/crypto-core';

/**
 * Checks of what arrives off the bus, before any key is touched. Every refusal is a typed error
 * whose message is ours: nothing the caller sent is echoed back.
 */
export interface CheckedItem {
  tenantId: string;
  field: SecretField;
}

const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

function invalid(field: string, message: string): ServiceError {
  return new ServiceError('crypto_invalid_input', message, { field });
}

export function checkBinding(request: unknown): CheckedItem {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw invalid('request', 'the request must be a JSON object');
  }

  const { tenantId, field } = request as Record<string, unknown>;
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw invalid('tenantId', 'tenantId must be 1-128 letters, digits, ".", "_" or "-"');
  }
  if (typeof field !== 'string' || !(SECRET_FIELDS as readonly string[]).includes(field)) {
    throw invalid('field', `field must be one of ${SECRET_FIELDS.join(', ')}`);
  }

  return { tenantId, field: field as SecretField };
}

export function checkPlaintext(request: unknown): string {
  const { plaintext } = request as Record<string, unknown>;
  if (typeof plaintext !== 'string' || plaintext.length === 0) {
    throw invalid('plaintext', 'plaintext must be a non-empty string');
  }

  // UTF-16 length first, so a huge string is refused before it is encoded.
  if (
    plaintext.length > MAX_PLAINTEXT_BYTES ||
    Buffer.byteLength(plaintext) > MAX_PLAINTEXT_BYTES
  ) {
    throw new ServiceError(
      'crypto_plaintext_too_large',
      `plaintext must be at most ${MAX_PLAINTEXT_BYTES} bytes`,
      { field: 'plaintext' },
    );
  }

  return plaintext;
}

export function checkCiphertext(request: unknown): string {
  const { ciphertext } = request as Record<string, unknown>;
  if (typeof ciphertext !== 'string' || ciphertext.length === 0) {
    throw invalid('ciphertext', 'ciphertext must be a non-empty string');
  }
  if (ciphertext.length > MAX_CIPHERTEXT_LENGTH) {
    throw new ServiceError('crypto_malformed_ciphertext', 'the ciphertext is too long', {
      field: 'ciphertext',
    });
  }

  return ciphertext;
}

export function checkBatch(request: unknown): unknown[] {
  const items = (request as BatchRequest<unknown> | null)?.items;
  if (!Array.isArray(items)) {
    throw invalid('items', 'items must be a list');
  }
  if (items.length > CRYPTO_BATCH_MAX_ITEMS) {
    throw invalid('items', `a batch holds at most ${CRYPTO_BATCH_MAX_ITEMS} items`);
  }

  return items;
}
