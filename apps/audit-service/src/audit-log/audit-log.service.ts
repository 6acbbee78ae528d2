import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  type AuditQueryReply,
  type AuditQueryRequest,
  type ByokConfigUpdatedEvent,
  BYOK_CONFIG_UPDATED_ACTION,
  ServiceError,
} from '@liya/contracts';

import { AuditEventEntity } from './audit-event.entity';
import { DeadLetterEntity } from './dead-letter.entity';

const MAX_PAGE_SIZE = 100;

@Injectable()
export class AuditLogService {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores an event once: a redelivered event id is recognised and left as it is. */
  async store(event: ByokConfigUpdatedEvent): Promise<'stored' | 'duplicate'> {
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO audit.audit_events (event_id, tenant_id, action, actor_id, occurred_at,
         config_version, before, after, request_id, source_ip, user_agent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      [
        event.event_id,
        event.tenant_id,
        event.action,
        event.actor_id,
        event.occurred_at,
        event.config_version,
        JSON.stringify(event.before),
        JSON.stringify(event.after),
        event.request_id,
        event.source_ip,
        event.user_agent,
      ],
    );

    return inserted.length > 0 ? 'stored' : 'duplicate';
  }

  async deadLetter(subject: string, streamSequence: number, reason: string, sizeBytes: number) {
    await this.dataSource.manager.insert(DeadLetterEntity, {
      subject,
      streamSequence: String(streamSequence),
      reason,
      sizeBytes,
    });
  }

  /** A tenant's events, newest first; the cursor is the position of the last event returned. */
  async query(request: AuditQueryRequest): Promise<AuditQueryReply> {
    const limit = Math.min(Math.max(Math.trunc(request.limit) || 0, 1), MAX_PAGE_SIZE);
    const query = this.dataSource.manager
      .createQueryBuilder(AuditEventEntity, 'event')
      .where('event.tenant_id = :tenantId', { tenantId: request.tenantId })
      .orderBy('event.seq', 'DESC')
      .limit(limit + 1);

    if (request.cursor !== undefined) {
      query.andWhere('event.seq < :before', { before: decodeCursor(request.cursor) });
    }

    const rows = await query.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];

    return {
      events: page.map(toEvent),
      nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
    };
  }
}

function encodeCursor(seq: string): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^seq:(\d{1,19})$/.exec(decoded);
  if (!match?.[1])
    throw new ServiceError('invalid_field', 'cursor is not valid', { field: 'cursor' });

  return match[1];
}

function toEvent(row: AuditEventEntity): ByokConfigUpdatedEvent {
  return {
    schema_version: 1,
    event_id: row.eventId,
    action: BYOK_CONFIG_UPDATED_ACTION,
    tenant_id: row.tenantId,
    actor_id: row.actorId,
    occurred_at: row.occurredAt.toISOString(),
    before: row.before,
    after: row.after,
    config_version: row.configVersion,
    request_id: row.requestId,
    source_ip: row.sourceIp,
    user_agent: row.userAgent,
  };
}
