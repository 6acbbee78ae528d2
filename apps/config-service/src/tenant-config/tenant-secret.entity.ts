import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

import type { SecretField } from '@liya/contracts';

/** A provider key of a tenant, only ever as the crypto service's ciphertext. */
@Entity({ schema: 'byok_config', name: 'tenant_secrets' })
export class TenantSecretEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ type: 'text' })
  field!: SecretField;

  @Column({ type: 'text' })
  ciphertext!: string;

  @Column({ name: 'key_version', type: 'text' })
  keyVersion!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
