import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

import type { ProviderMode } from '@liya/contracts';

/** One row per tenant: mode, version and the non-secret provider settings. */
@Entity({ schema: 'byok_config', name: 'tenant_configs' })
export class TenantConfigEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  mode!: ProviderMode;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'openai_organization', type: 'text', nullable: true })
  openaiOrganization!: string | null;

  @Column({ name: 'azure_endpoint', type: 'text', nullable: true })
  azureEndpoint!: string | null;

  @Column({ name: 'azure_deployment_id', type: 'text', nullable: true })
  azureDeploymentId!: string | null;

  @Column({ name: 'azure_region', type: 'text', nullable: true })
  azureRegion!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
