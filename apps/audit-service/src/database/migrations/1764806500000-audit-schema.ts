import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditSchema1764806500000 implements MigrationInterface {
  name = 'AuditSchema1764806500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS audit`);

    await queryRunner.query(`
      CREATE TABLE audit.audit_events (
        event_id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        tenant_id text NOT NULL,
        action text NOT NULL,
        actor_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        config_version integer NOT NULL,
        before jsonb NOT NULL,
        after jsonb NOT NULL,
        request_id text NOT NULL,
        source_ip text,
        user_agent text,
        stored_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX audit_events_tenant_seq ON audit.audit_events (tenant_id, seq DESC)`,
    );

    // The message itself is not kept: a malformed message may hold anything, keys included.
    await queryRunner.query(`
      CREATE TABLE audit.dead_letters (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        subject text NOT NULL,
        stream_sequence bigint NOT NULL,
        reason text NOT NULL,
        size_bytes integer NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA audit CASCADE`);
  }
}
