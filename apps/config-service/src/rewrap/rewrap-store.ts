import type { DataSource } from 'typeorm';

import type { SecretField } from '@liya/contracts';

/** A stored ciphertext that is not under the active key version yet. */
export interface StaleSecret {
  tenantId: string;
  field: SecretField;
  ciphertext: string;
  keyVersion: string;
  configVersion: number;
}

export interface SecretPosition {
  tenantId: string;
  field: string;
}

/**
 * The rewrap job's reads and writes of byok_config.tenant_secrets. No lock is held while
 * crypto-service works: a rewrapped ciphertext is written only if the row still holds exactly the
 * ciphertext that was rewrapped, so a key a PATCH stored meanwhile is never overwritten.
 */
export class RewrapStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The next rows after `after`, in key order, whose ciphertext is not under `activeVersion`. */
  async staleAfter(
    activeVersion: string,
    after: SecretPosition | null,
    limit: number,
  ): Promise<StaleSecret[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT s.tenant_id, s.field, s.ciphertext, s.key_version, c.version
         FROM byok_config.tenant_secrets s
         JOIN byok_config.tenant_configs c ON c.tenant_id = s.tenant_id
        WHERE s.key_version <> $1
          AND ($2::text IS NULL OR (s.tenant_id, s.field) > ($2::text, $3::text))
        ORDER BY s.tenant_id, s.field
        LIMIT $4`,
      [activeVersion, after?.tenantId ?? null, after?.field ?? null, limit],
    );

    return rows.map((row) => ({
      tenantId: String(row.tenant_id),
      field: row.field as SecretField,
      ciphertext: String(row.ciphertext),
      keyVersion: String(row.key_version),
      configVersion: Number(row.version),
    }));
  }

  /**
   * Compare-and-set: replaces the ciphertext only if the row still holds `previous`. False means
   * the key was changed or erased since it was read; the newer value stands.
   */
  async replaceIfUnchanged(
    secret: StaleSecret,
    next: { ciphertext: string; keyVersion: string },
  ): Promise<boolean> {
    // updated_at is left alone: it records when the tenant set the key, and a rewrap does not.
    const [, affected]: [unknown[], number] = await this.dataSource.query(
      `UPDATE byok_config.tenant_secrets
          SET ciphertext = $4, key_version = $5
        WHERE tenant_id = $1 AND field = $2 AND ciphertext = $3`,
      [secret.tenantId, secret.field, secret.ciphertext, next.ciphertext, next.keyVersion],
    );

    return affected === 1;
  }

  /** How many stored ciphertexts each key version holds. */
  async countByKeyVersion(): Promise<Record<string, number>> {
    const rows: Array<{ key_version: string; count: string }> = await this.dataSource.query(
      `SELECT key_version, count(*) AS count
         FROM byok_config.tenant_secrets
        GROUP BY key_version
        ORDER BY key_version`,
    );

    return Object.fromEntries(rows.map((row) => [row.key_version, Number(row.count)]));
  }
}
