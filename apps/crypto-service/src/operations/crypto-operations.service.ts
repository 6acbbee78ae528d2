import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

import {
  type DecryptReply,
  type DecryptRequest,
  type EncryptReply,
  type EncryptRequest,
  SECRET_FIELDS,
  ServiceError,
} from '@liya/contracts';
import { CipherError, type CipherErrorKind, EnvelopeCipher } from '@liya/crypto-core';

const MAX_PLAINTEXT_BYTES = 4096;
const MAX_CIPHERTEXT_LENGTH = 8192;

const CIPHER_ERROR_CODES = {
  malformed_ciphertext: 'crypto_malformed_ciphertext',
  unknown_key_version: 'crypto_unknown_key_version',
  integrity_failure: 'crypto_integrity_failure',
  invalid_input: 'crypto_invalid_input',
} as const satisfies Record<CipherErrorKind, string>;

function requireString(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new ServiceError('crypto_invalid_input', `${field} must be a non-empty string`, {
      field,
    });
  }

  return value;
}

function requireSecretField(value: unknown): string {
  if (typeof value !== 'string' || !(SECRET_FIELDS as readonly string[]).includes(value)) {
    throw new ServiceError('crypto_invalid_input', 'field must name a secret field', {
      field: 'field',
    });
  }

  return value;
}

/** Encrypt and decrypt for the other services; input is checked since it comes off the bus. */
@Injectable()
export class CryptoOperationsService {
  private readonly operations: Counter<'operation' | 'outcome'>;

  constructor(
    private readonly cipher: EnvelopeCipher,
    registry: Registry,
  ) {
    this.operations = new Counter({
      name: 'liya_crypto_operations_total',
      help: 'Crypto operations by kind and outcome',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    });
  }

  async encrypt(request: EncryptRequest): Promise<EncryptReply> {
    return this.measured('encrypt', () => {
      const tenantId = requireString(request?.tenantId, 'tenantId', 128);
      const field = requireSecretField(request?.field);
      const plaintext = requireString(request?.plaintext, 'plaintext', MAX_PLAINTEXT_BYTES);

      if (Buffer.byteLength(plaintext, 'utf8') > MAX_PLAINTEXT_BYTES) {
        throw new ServiceError('crypto_invalid_input', 'plaintext is too long', {
          field: 'plaintext',
        });
      }

      const ciphertext = this.cipher.encrypt(tenantId, field, plaintext);

      return { ciphertext, keyVersion: this.cipher.activeVersion };
    });
  }

  async decrypt(request: DecryptRequest): Promise<DecryptReply> {
    return this.measured('decrypt', () => {
      const tenantId = requireString(request?.tenantId, 'tenantId', 128);
      const field = requireSecretField(request?.field);
      const ciphertext = requireString(request?.ciphertext, 'ciphertext', MAX_CIPHERTEXT_LENGTH);

      return { plaintext: this.cipher.decrypt(tenantId, field, ciphertext) };
    });
  }

  private measured<T>(operation: string, run: () => T): T {
    try {
      const result = run();

      this.operations.inc({ operation, outcome: 'ok' });

      return result;
    } catch (error) {
      const converted =
        error instanceof CipherError
          ? new ServiceError(CIPHER_ERROR_CODES[error.kind], error.message)
          : error;
      const outcome = converted instanceof ServiceError ? converted.code : 'internal_error';

      this.operations.inc({ operation, outcome });

      throw converted;
    }
  }
}
