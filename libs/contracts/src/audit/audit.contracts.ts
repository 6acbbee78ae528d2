import { rpcContract } from '../rpc/rpc-contract';
import type { ByokConfigUpdatedEvent } from './audit-event';

export interface AuditQueryRequest {
  tenantId: string;
  limit: number;
  cursor?: string;
}

export interface AuditQueryReply {
  events: ByokConfigUpdatedEvent[];
  nextCursor: string | null;
}

export const AuditRpc = {
  query: rpcContract<AuditQueryRequest, AuditQueryReply>('audit.query'),
};
