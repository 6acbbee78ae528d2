import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764806400000 implements MigrationInterface {
  name = 'InitialSchema1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS byok_config`);

    await queryRunner.query(`
      CREATE TABLE byok_config.tenant_configs (
        tenant_id text PRIMARY KEY,
        mode text NOT NULL CHECK (mode IN ('byok', 'liya_managed')),
        version integer NOT NULL CHECK (version >= 0),
        openai_organization text,
        azure_endpoint text,
        azure_deployment_id text,
        azure_region text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE byok_config.tenant_secrets (
        tenant_id text NOT NULL
          REFERENCES byok_config.tenant_configs (tenant_id) ON DELETE CASCADE,
        field text NOT NULL
          CHECK (field IN ('openai_api_key', 'anthropic_api_key', 'azure_openai_key')),
        ciphertext text NOT NULL CHECK (ciphertext LIKE 'lbk1:%'),
        key_version text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, field)
      )`);
    await queryRunner.query(
      `CREATE INDEX tenant_secrets_key_version ON byok_config.tenant_secrets (key_version)`,
    );

    await queryRunner.query(`
      CREATE TABLE byok_config.outbox_events (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        tenant_id text NOT NULL,
        subject text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        attempts integer NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`
      CREATE INDEX outbox_events_pending ON byok_config.outbox_events (seq)
        WHERE published_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA byok_config CASCADE`);
  }
}
