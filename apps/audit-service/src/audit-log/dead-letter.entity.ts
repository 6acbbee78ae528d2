import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A message that could not be read as an audit event, kept for a person to look at. */
@Entity({ schema: 'audit', name: 'dead_letters' })
export class DeadLetterEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ name: 'stream_sequence', type: 'bigint' })
  streamSequence!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ name: 'received_at', type: 'timestamptz', insert: false, update: false })
  receivedAt!: Date;
}
