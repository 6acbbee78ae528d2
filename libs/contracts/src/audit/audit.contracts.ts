import { rpcContract } from '../rpc/rpc-contract';
import { type ByokConfigUpdatedEvent, BYOK_CONFIG_UPDATED_ACTION } from './audit-event';

/** Every action the audit log records; the audit-log filter accepts only these. */
export const AUDIT_ACTIONS = [BYOK_CONFIG_UPDATED_ACTION] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditQueryRequest {
  tenantId: string;
  limit: number;
  cursor?: string;
  action?: AuditAction;
  /** ISO-8601 instants bounding `occurred_at`: from inclusive, to exclusive. */
  from?: string;
  to?: string;
}

export interface AuditQueryReply {
  events: ByokConfigUpdatedEvent[];
  nextCursor: string | null;
}

export interface AuditVerifyRequest {
  tenantId: string;
}

/** The first row whose stored content or place no longer matches the chain. */
export interface AuditChainBreak {
  chainIndex: number;
  eventId: string | null;
  reason: 'hash_mismatch' | 'link_mismatch' | 'index_gap' | 'missing_tail' | 'head_mismatch';
}

export interface AuditVerifyReply {
  tenantId: string;
  intact: boolean;
  rowsChecked: number;
  headHash: string | null;
  firstBroken: AuditChainBreak | null;
}

export const AuditRpc = {
  query: rpcContract<AuditQueryRequest, AuditQueryReply>('audit.query'),
  verify: rpcContract<AuditVerifyRequest, AuditVerifyReply>('audit.verify'),
};
