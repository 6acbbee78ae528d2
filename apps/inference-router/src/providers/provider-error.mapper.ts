import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import { type KeySource, type ProviderName, ServiceError } from '@liya/contracts';

const PROVIDER_LABELS: Record<ProviderName, string> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  azure: 'Azure OpenAI',
};

interface ProviderFailure {
  name?: string;
  status?: unknown;
  headers?: unknown;
  error?: unknown;
  cause?: unknown;
}

// What lies under an SDK connection error: fetch's TypeError, then the socket's own error.
function causes(error: unknown): Array<{ code?: unknown; message?: unknown; name?: unknown }> {
  const chain = [];
  let current = (error as ProviderFailure | undefined)?.cause;

  for (let depth = 0; current && depth < 5; depth += 1) {
    chain.push(current as { code?: unknown; message?: unknown; name?: unknown });
    current = (current as ProviderFailure).cause;
  }

  return chain;
}

function retryAfterSeconds(headers: unknown): number | undefined {
  if (!headers || typeof (headers as Headers).get !== 'function') return undefined;

  const value = (headers as Headers).get('retry-after');
  const seconds = value === null ? Number.NaN : Number(value);

  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

// A provider's machine-readable error code is passed on when it is plainly one (model_not_found,
// context_length_exceeded); its human message is not, since OpenAI's 401 text quotes a masked key.
function providerCode(body: unknown): string | undefined {
  const candidate = body as { code?: unknown; type?: unknown; error?: { type?: unknown } } | null;
  const code = candidate?.code ?? candidate?.type ?? candidate?.error?.type;

  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

/**
 * Turns an SDK error into our error with a message of our own. The provider's text never reaches
 * the caller or the logs.
 */
export function mapProviderError(
  provider: ProviderName,
  keySource: KeySource,
  error: unknown,
): ServiceError {
  if (error instanceof ServiceError) return error;

  const label = PROVIDER_LABELS[provider];
  const failure = (error ?? {}) as ProviderFailure;
  const name = failure.name ?? '';
  const status = typeof failure.status === 'number' ? failure.status : undefined;

  const underlying = causes(error);

  if (underlying.some((cause) => cause.code === 'LIYA_BLOCKED_ADDRESS')) {
    return new ServiceError(
      'provider_endpoint_refused',
      `the ${label} endpoint resolves to an address that is not public`,
    );
  }

  if (underlying.some((cause) => /redirect/i.test(String(cause.message ?? '')))) {
    return new ServiceError(
      'provider_unavailable',
      `${label} answered with a redirect, which is never followed`,
    );
  }

  // The SDKs' own timeout, an abort of ours (a deadline passed), or undici's socket timeouts.
  const timedOut =
    error instanceof OpenAI.APIConnectionTimeoutError ||
    error instanceof Anthropic.APIConnectionTimeoutError ||
    error instanceof OpenAI.APIUserAbortError ||
    error instanceof Anthropic.APIUserAbortError ||
    underlying.some((cause) => /Timeout/.test(String(cause.name ?? '')));
  if (timedOut || name.includes('Timeout') || (name === 'AbortError' && status === undefined)) {
    return new ServiceError('provider_timeout', `${label} did not answer in time`, {
      retryAfterSeconds: 1,
    });
  }

  if (status === 401 || status === 403) {
    const whose = keySource === 'byok' ? "the tenant's" : "the platform's managed";
    const advice = keySource === 'byok' ? '; update it in the dashboard' : '';

    return new ServiceError('provider_key_rejected', `${label} rejected ${whose} API key${advice}`);
  }

  if (status === 429) {
    return new ServiceError('provider_rate_limited', `${label} is rate limiting this key`, {
      retryAfterSeconds: retryAfterSeconds(failure.headers) ?? 1,
    });
  }

  if (status !== undefined && status >= 400 && status < 500) {
    const code = providerCode(failure.error);
    const detail = code ? ` (${code})` : '';

    return new ServiceError(
      'provider_bad_request',
      `${label} refused the request: status ${status}${detail}`,
    );
  }

  if (status !== undefined) {
    return new ServiceError('provider_server_error', `${label} failed with status ${status}`, {
      retryAfterSeconds: 1,
    });
  }

  return new ServiceError('provider_unavailable', `${label} could not be reached`, {
    retryAfterSeconds: 1,
  });
}
