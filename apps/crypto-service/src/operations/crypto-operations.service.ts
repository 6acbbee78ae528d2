import { Inject, Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

import {
  type BatchItemResult,
  type BatchReply,
  type DecryptReply,
  type EncryptReply,
  type ErrorCode,
  type RewrapReply,
  ServiceError,
} from '@liya/contracts';
import { CipherError, type CipherErrorKind, EnvelopeCipher } from '@liya/crypto-core';
import { APP_LOGGER, type AppLogger, serializeError } from '@liya/runtime';

import { checkBatch, checkBinding, checkCiphertext, checkPlaintext } from './crypto-input';
import { RefusalLog } from './refusal-log';

type Operation = 'encrypt' | 'decrypt' | 'rewrap';

const CIPHER_ERROR_CODES = {
  malformed_ciphertext: 'crypto_malformed_ciphertext',
  unknown_key_version: 'crypto_unknown_key_version',
  retired_key_version: 'crypto_key_version_retired',
  integrity_failure: 'crypto_integrity_failure',
  invalid_input: 'crypto_invalid_input',
  plaintext_too_large: 'crypto_plaintext_too_large',
} as const satisfies Record<CipherErrorKind, ErrorCode>;

// Refusals that may mean tampering or a rotation step skipped: worth a warning in the log.
const SUSPICIOUS_CODES: ReadonlySet<ErrorCode> = new Set([
  'crypto_integrity_failure',
  'crypto_key_version_retired',
  'crypto_unknown_key_version',
  'crypto_malformed_ciphertext',
]);

/**
 * Encrypt, decrypt and rewrap for the other services, one at a time or in batches. Input is
 * checked since it comes off the bus; every failure is a typed error without key or plaintext.
 * Every operation is synchronous: it waits on nothing but the CPU.
 */
@Injectable()
export class CryptoOperationsService {
  private readonly operations: Counter<'operation' | 'outcome'>;
  // The success counters are looked up once: labelling a counter on every request costs more
  // than the AES work of a decrypt.
  private readonly succeeded: Record<Operation, { inc(): void }>;
  private readonly refusals: RefusalLog;

  constructor(
    private readonly cipher: EnvelopeCipher,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    registry: Registry,
  ) {
    this.operations = new Counter({
      name: 'liya_crypto_operations_total',
      help: 'Crypto operations by kind and outcome (batch items count one each)',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    });
    this.refusals = new RefusalLog(logger);
    this.succeeded = {
      encrypt: this.operations.labels({ operation: 'encrypt', outcome: 'ok' }),
      decrypt: this.operations.labels({ operation: 'decrypt', outcome: 'ok' }),
      rewrap: this.operations.labels({ operation: 'rewrap', outcome: 'ok' }),
    };
  }

  encrypt(request: unknown): EncryptReply {
    return this.measured('encrypt', request, () => {
      const { tenantId, field } = checkBinding(request);
      const plaintext = checkPlaintext(request);

      return {
        ciphertext: this.cipher.encrypt(tenantId, field, plaintext),
        keyVersion: this.cipher.activeVersion,
      };
    });
  }

  decrypt(request: unknown): DecryptReply {
    return this.measured('decrypt', request, () => {
      const { tenantId, field } = checkBinding(request);

      return { plaintext: this.cipher.decrypt(tenantId, field, checkCiphertext(request)) };
    });
  }

  rewrap(request: unknown): RewrapReply {
    return this.measured('rewrap', request, () => {
      const { tenantId, field } = checkBinding(request);

      return this.cipher.rewrap(tenantId, field, checkCiphertext(request));
    });
  }

  encryptBatch(request: unknown): BatchReply<EncryptReply> {
    return this.batch(request, (item) => this.encrypt(item));
  }

  decryptBatch(request: unknown): BatchReply<DecryptReply> {
    return this.batch(request, (item) => this.decrypt(item));
  }

  rewrapBatch(request: unknown): BatchReply<RewrapReply> {
    return this.batch(request, (item) => this.rewrap(item));
  }

  private batch<T>(request: unknown, run: (item: unknown) => T): BatchReply<T> {
    const items = checkBatch(request);
    const results: Array<BatchItemResult<T>> = [];

    for (const item of items) {
      try {
        results.push({ ok: true, value: run(item) });
      } catch (error) {
        results.push({ ok: false, error: (error as ServiceError).toBody() });
      }
    }

    return { activeKeyVersion: this.cipher.activeVersion, results };
  }

  /** Runs one operation, counts its outcome and turns every failure into a ServiceError. */
  private measured<T>(operation: Operation, request: unknown, run: () => T): T {
    try {
      const result = run();

      this.succeeded[operation].inc();

      return result;
    } catch (error) {
      const converted = this.toServiceError(operation, error);

      this.operations.inc({ operation, outcome: converted.code });
      if (SUSPICIOUS_CODES.has(converted.code)) {
        const { tenantId, field } = request as { tenantId?: unknown; field?: unknown };

        this.refusals.warn({
          operation,
          code: converted.code,
          tenantId: String(tenantId),
          field: String(field),
        });
      }

      throw converted;
    }
  }

  private toServiceError(operation: Operation, error: unknown): ServiceError {
    if (error instanceof ServiceError) return error;
    if (error instanceof CipherError) {
      return new ServiceError(CIPHER_ERROR_CODES[error.kind], error.message);
    }

    this.logger.error({ operation, err: serializeError(error) }, 'crypto operation failed');

    return new ServiceError('internal_error', 'the crypto operation failed; see the service logs');
  }
}
