import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  AUDIT_ACTIONS,
  type AuditQueryReply,
  type AuditQueryRequest,
  ServiceError,
} from '@liya/contracts';

import { AuditEventEntity } from './audit-event.entity';
import { eventOfRow } from './stored-event';

const MAX_PAGE_SIZE = 100;

/** Reads a tenant's audit log for the dashboard. */
@Injectable()
export class AuditLogService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A tenant's events, newest first, optionally one action and an `occurred_at` range (from
   * inclusive, to exclusive); the cursor is the position of the last event returned.
   */
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
    if (request.action !== undefined) {
      if (!(AUDIT_ACTIONS as readonly string[]).includes(request.action)) {
        throw new ServiceError('invalid_field', 'action is not a known audit action', {
          field: 'action',
        });
      }
      query.andWhere('event.action = :action', { action: request.action });
    }
    if (request.from !== undefined) {
      query.andWhere('event.occurred_at >= :from', { from: parseInstant(request.from, 'from') });
    }
    if (request.to !== undefined) {
      query.andWhere('event.occurred_at < :to', { to: parseInstant(request.to, 'to') });
    }

    const rows = await query.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];

    return {
      events: page.map((row) =>
        eventOfRow({
          event_id: row.eventId,
          tenant_id: row.tenantId,
          actor_id: row.actorId,
          occurred_at: row.occurredAt,
          config_version: row.configVersion,
          before: row.before,
          after: row.after,
          request_id: row.requestId,
          source_ip: row.sourceIp,
          user_agent: row.userAgent,
        }),
      ),
      nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
    };
  }
}

function parseInstant(value: string, field: 'from' | 'to'): Date {
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) {
    throw new ServiceError('invalid_field', `${field} must be an ISO-8601 instant`, { field });
  }

  return instant;
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
