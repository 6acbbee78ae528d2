import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

import { ServiceError } from '@liya/contracts';

import { BlockedAddressError } from '../http/address-guard';
import { mapProviderError } from './provider-error.mapper';

const MASKED = 'sk-abc***...xyz';
const OPENAI_401 = {
  error: {
    message: `Incorrect API key provided: ${MASKED}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  },
};

function openAiError(status: number, body: object, headers: Record<string, string> = {}) {
  return OpenAI.APIError.generate(status, body, undefined, new Headers(headers));
}

describe('mapProviderError', () => {
  it("names the provider and the tenant's key on a 401, and keeps none of its text", () => {
    const mapped = mapProviderError('openai', 'byok', openAiError(401, OPENAI_401));
    const everything = JSON.stringify({ ...mapped.toBody(), stack: mapped.stack });

    expect(mapped.code).toBe('provider_key_rejected');
    expect(mapped.message).toBe("OpenAI rejected the tenant's API key; update it in the dashboard");
    expect(everything).not.toContain('abc');
    expect(everything).not.toContain('***');
    expect(everything).not.toContain('Incorrect');
  });

  it('says when the managed key was rejected, for the platform to act on', () => {
    const mapped = mapProviderError('anthropic', 'managed', openAiError(403, {}));

    expect(mapped.message).toBe("Anthropic rejected the platform's managed API key");
  });

  it('keeps the retry hint of a 429, or gives one', () => {
    const hinted = mapProviderError('azure', 'byok', openAiError(429, {}, { 'retry-after': '12' }));
    const bare = mapProviderError('azure', 'byok', openAiError(429, {}));

    expect(hinted).toMatchObject({ code: 'provider_rate_limited', retryAfterSeconds: 12 });
    expect(bare).toMatchObject({ code: 'provider_rate_limited', retryAfterSeconds: 1 });
  });

  it('tells a timeout, a server error and an unreachable host apart', () => {
    const timeout = mapProviderError('openai', 'byok', new OpenAI.APIConnectionTimeoutError());
    const anthropicTimeout = mapProviderError(
      'anthropic',
      'byok',
      new Anthropic.APIConnectionTimeoutError(),
    );
    const serverError = mapProviderError('openai', 'byok', openAiError(500, {}));
    const unreachable = mapProviderError(
      'openai',
      'byok',
      new OpenAI.APIConnectionError({ cause: new Error('connect ECONNREFUSED') }),
    );

    expect(timeout.code).toBe('provider_timeout');
    expect(anthropicTimeout.code).toBe('provider_timeout');
    expect(serverError).toMatchObject({ code: 'provider_server_error', status: 502 });
    expect(unreachable).toMatchObject({ code: 'provider_unavailable', status: 502 });
  });

  it('passes a plain provider error code on a 4xx, never its message', () => {
    const mapped = mapProviderError(
      'openai',
      'byok',
      openAiError(404, { error: { code: 'model_not_found', message: `no model for ${MASKED}` } }),
    );

    expect(mapped.message).toBe('OpenAI refused the request: status 404 (model_not_found)');
  });

  it('reports an endpoint refused at connect time as refused, not unreachable', () => {
    const fetchFailure = new TypeError('fetch failed', {
      cause: new BlockedAddressError('evil.openai.azure.com'),
    });
    const mapped = mapProviderError(
      'azure',
      'byok',
      new OpenAI.APIConnectionError({ cause: fetchFailure }),
    );

    expect(mapped.code).toBe('provider_endpoint_refused');
    expect(mapped.message).not.toContain('evil');
  });

  it('leaves our own errors as they are', () => {
    const ours = new ServiceError('provider_endpoint_refused', 'the Azure endpoint must use https');

    expect(mapProviderError('azure', 'byok', ours)).toBe(ours);
  });
});
