import type { MigrationInterface, QueryRunner } from 'typeorm';

import { CHAIN_GENESIS_HASH, chainHash } from '../../audit-chain/chain-hash';
import { eventOfRow, type StoredEventRow } from '../../audit-log/stored-event';

/**
 * Chains each tenant's audit rows by hash and makes the table append-only.
 *
 * The trigger refuses UPDATE, DELETE and TRUNCATE from every role, the service's own included, so
 * a bug or a stolen application credential cannot rewrite history. It does not stop a superuser or
 * the table owner: they can disable triggers (ALTER TABLE ... DISABLE TRIGGER, or
 * session_replication_role = replica) and edit rows. The hash chain is what detects that: any
 * edited, removed or reordered row breaks the chain at that row, unless the editor also recomputes
 * every later hash and the chain head, which only an anchor kept outside this database would catch.
 */
export class AuditHashChain1764906500000 implements MigrationInterface {
  name = 'AuditHashChain1764906500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE audit.audit_events
        ADD COLUMN chain_index bigint,
        ADD COLUMN prev_hash text,
        ADD COLUMN row_hash text`);

    // The length and last hash of each tenant's chain; its row lock serialises a tenant's inserts.
    await queryRunner.query(`
      CREATE TABLE audit.chain_heads (
        tenant_id text PRIMARY KEY,
        chain_length bigint NOT NULL CHECK (chain_length >= 0),
        head_hash text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await this.chainExistingRows(queryRunner);

    await queryRunner.query(`
      ALTER TABLE audit.audit_events
        ALTER COLUMN chain_index SET NOT NULL,
        ALTER COLUMN prev_hash SET NOT NULL,
        ALTER COLUMN row_hash SET NOT NULL,
        ADD CONSTRAINT audit_events_tenant_chain UNIQUE (tenant_id, chain_index)`);
    await queryRunner.query(
      `CREATE INDEX audit_events_tenant_occurred ON audit.audit_events (tenant_id, occurred_at)`,
    );

    await queryRunner.query(`
      CREATE FUNCTION audit.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit rows are append-only: % refused on %', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit.audit_events
        FOR EACH ROW EXECUTE FUNCTION audit.refuse_audit_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit.audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_audit_change()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER audit_events_no_truncate ON audit.audit_events`);
    await queryRunner.query(`DROP TRIGGER audit_events_append_only ON audit.audit_events`);
    await queryRunner.query(`DROP FUNCTION audit.refuse_audit_change()`);
    await queryRunner.query(`DROP INDEX audit.audit_events_tenant_occurred`);
    await queryRunner.query(`DROP TABLE audit.chain_heads`);
    await queryRunner.query(`
      ALTER TABLE audit.audit_events
        DROP CONSTRAINT audit_events_tenant_chain,
        DROP COLUMN chain_index, DROP COLUMN prev_hash, DROP COLUMN row_hash`);
  }

  /** Rows stored before the chain existed join it in the order they were stored. */
  private async chainExistingRows(queryRunner: QueryRunner): Promise<void> {
    const rows: StoredEventRow[] = await queryRunner.query(
      `SELECT event_id, tenant_id, actor_id, occurred_at, config_version, before, after,
              request_id, source_ip, user_agent
         FROM audit.audit_events ORDER BY tenant_id, seq`,
    );
    const heads = new Map<string, { length: number; hash: string }>();

    for (const row of rows) {
      const head = heads.get(row.tenant_id) ?? { length: 0, hash: CHAIN_GENESIS_HASH };
      const chainIndex = head.length + 1;
      const hash = chainHash(head.hash, { chainIndex, event: eventOfRow(row) });

      await queryRunner.query(
        `UPDATE audit.audit_events SET chain_index = $2, prev_hash = $3, row_hash = $4
          WHERE event_id = $1`,
        [row.event_id, chainIndex, head.hash, hash],
      );
      heads.set(row.tenant_id, { length: chainIndex, hash });
    }

    for (const [tenantId, head] of heads) {
      await queryRunner.query(
        `INSERT INTO audit.chain_heads (tenant_id, chain_length, head_hash) VALUES ($1, $2, $3)`,
        [tenantId, head.length, head.hash],
      );
    }
  }
}
