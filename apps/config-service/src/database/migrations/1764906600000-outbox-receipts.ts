import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbox event now stays until audit-service's receipt says it is stored (confirmed_at); until
 * then it is published again whenever republish_due_at passes, publish_count giving each
 * re-publish its own JetStream message id.
 */
export class OutboxReceipts1764906600000 implements MigrationInterface {
  name = 'OutboxReceipts1764906600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE byok_config.outbox_events
        ADD COLUMN confirmed_at timestamptz,
        ADD COLUMN publish_count integer NOT NULL DEFAULT 0,
        ADD COLUMN republish_due_at timestamptz`);

    // Events relayed before receipts existed were delivered under the old rules; count them done.
    await queryRunner.query(`
      UPDATE byok_config.outbox_events
         SET confirmed_at = published_at, publish_count = 1
       WHERE published_at IS NOT NULL`);

    await queryRunner.query(`DROP INDEX byok_config.outbox_events_pending`);
    await queryRunner.query(`
      CREATE INDEX outbox_events_pending ON byok_config.outbox_events (seq)
        WHERE published_at IS NULL AND confirmed_at IS NULL`);
    await queryRunner.query(`
      CREATE INDEX outbox_events_unconfirmed ON byok_config.outbox_events (republish_due_at)
        WHERE published_at IS NOT NULL AND confirmed_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX byok_config.outbox_events_unconfirmed`);
    await queryRunner.query(`DROP INDEX byok_config.outbox_events_pending`);
    await queryRunner.query(`
      CREATE INDEX outbox_events_pending ON byok_config.outbox_events (seq)
        WHERE published_at IS NULL`);
    await queryRunner.query(`
      ALTER TABLE byok_config.outbox_events
        DROP COLUMN confirmed_at, DROP COLUMN publish_count, DROP COLUMN republish_due_at`);
  }
}
