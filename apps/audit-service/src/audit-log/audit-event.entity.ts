import { Column, Entity, PrimaryColumn } from 'typeorm';

import type { ConfigSnapshot } from '@liya/contracts';

/**
 * One stored audit event. Rows are only ever inserted, once per event id (a trigger refuses updates
 * and deletes), and each links to the tenant's previous row by hash.
 */
@Entity({ schema: 'audit', name: 'audit_events' })
export class AuditEventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'config_version', type: 'integer' })
  configVersion!: number;

  @Column({ type: 'jsonb' })
  before!: ConfigSnapshot;

  @Column({ type: 'jsonb' })
  after!: ConfigSnapshot;

  @Column({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'source_ip', type: 'text', nullable: true })
  sourceIp!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  @Column({ name: 'chain_index', type: 'bigint' })
  chainIndex!: string;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ name: 'row_hash', type: 'text' })
  rowHash!: string;

  @Column({ name: 'stored_at', type: 'timestamptz', insert: false, update: false })
  storedAt!: Date;
}
