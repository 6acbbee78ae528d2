import {
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditQueryRequest,
  type Role,
  ROLES,
  ServiceError,
} from '@liya/contracts';

/** `member` is the least role; every role of the tenant may read its audit log. */
export const AUDIT_READER_ROLES: readonly Role[] = ROLES;

export interface AuditLogQueryParams {
  limit?: string;
  cursor?: string;
  action?: string;
  from?: string;
  to?: string;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;

  const limit = Number(raw);
  if (!/^\d{1,3}$/.test(raw) || limit < 1 || limit > 100) {
    throw new ServiceError('invalid_field', 'limit must be a whole number from 1 to 100', {
      field: 'limit',
    });
  }

  return limit;
}

function parseInstant(raw: string | undefined, field: 'from' | 'to'): string | undefined {
  if (raw === undefined) return undefined;

  const instant = new Date(raw);
  if (!ISO_INSTANT.test(raw) || Number.isNaN(instant.getTime())) {
    throw new ServiceError(
      'invalid_field',
      `${field} must be an ISO-8601 instant such as 2026-12-04T10:00:00Z`,
      { field },
    );
  }

  return instant.toISOString();
}

function parseAction(raw: string | undefined): AuditAction | undefined {
  if (raw === undefined) return undefined;
  if (!(AUDIT_ACTIONS as readonly string[]).includes(raw)) {
    throw new ServiceError('invalid_field', `action must be one of: ${AUDIT_ACTIONS.join(', ')}`, {
      field: 'action',
    });
  }

  return raw as AuditAction;
}

/** The audit-log query string as a request for the caller's own tenant. */
export function auditQueryOf(tenantId: string, params: AuditLogQueryParams): AuditQueryRequest {
  const from = parseInstant(params.from, 'from');
  const to = parseInstant(params.to, 'to');
  if (from !== undefined && to !== undefined && from >= to) {
    throw new ServiceError('invalid_field', 'from must be earlier than to', { field: 'from' });
  }
  if (params.cursor !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(params.cursor)) {
    throw new ServiceError('invalid_field', 'cursor is not valid', { field: 'cursor' });
  }

  const request: AuditQueryRequest = { tenantId, limit: parseLimit(params.limit) };
  const action = parseAction(params.action);

  if (params.cursor !== undefined) request.cursor = params.cursor;
  if (action !== undefined) request.action = action;
  if (from !== undefined) request.from = from;
  if (to !== undefined) request.to = to;

  return request;
}
