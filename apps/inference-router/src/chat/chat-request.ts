import { type ChatRequest, ServiceError } from '@liya/contracts';

const TENANT_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * The envelope every transport hands the chat service: internal callers name the tenant, so it
 * is checked as strictly as the gateway checks a token's. The body is parsed later, once.
 */
export function parseChatRequest(raw: unknown): ChatRequest {
  const caller = parseCaller(raw);

  return { ...caller, body: (raw as { body?: unknown }).body as ChatRequest['body'] };
}

/** The tenant and request id an internal caller names. */
export function parseCaller(raw: unknown): { tenantId: string; requestId: string } {
  const request = (raw ?? {}) as { tenantId?: unknown; requestId?: unknown };

  if (typeof request.tenantId !== 'string' || !TENANT_ID.test(request.tenantId)) {
    throw new ServiceError('invalid_request', 'tenantId is missing or malformed', {
      field: 'tenantId',
    });
  }

  return {
    tenantId: request.tenantId,
    requestId: typeof request.requestId === 'string' ? request.requestId.slice(0, 128) : '',
  };
}
