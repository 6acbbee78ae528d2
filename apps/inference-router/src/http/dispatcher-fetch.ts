import { Readable } from 'node:stream';

import type { Dispatcher } from 'undici';

// Statuses whose responses carry no body; a Response refuses one for them.
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function plainHeaders(init: RequestInit['headers']): Record<string, string> {
  const headers: Record<string, string> = {};

  new Headers(init).forEach((value, name) => {
    headers[name] = value;
  });

  return headers;
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();

  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }

  return headers;
}

/**
 * A `fetch` for the provider SDKs on undici's `request` API over one of our pools. Profiles of
 * the router showed WHATWG fetch's request and stream machinery as its largest cost; this keeps
 * fetch's contract for what the SDKs use (method, headers, a string or bytes body, a signal, the
 * response status, headers and body) and skips the rest. A JSON answer is read whole; a stream
 * (`text/event-stream`) is handed over as it arrives, and cancelling it closes the connection. A
 * redirect is never followed: it fails like fetch's `redirect: 'error'`, so a key is never
 * replayed to another host.
 */
export function dispatcherFetch(dispatcher: Dispatcher): typeof globalThis.fetch {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      if (!(body instanceof Uint8Array)) throw new TypeError('unsupported request body type');
    }

    let response: Dispatcher.ResponseData;
    try {
      response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: plainHeaders(init.headers),
        body: body ?? null,
        signal: init.signal ?? undefined,
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError' || init.signal?.aborted) throw error;

      throw new TypeError('fetch failed', { cause: error });
    }

    const { statusCode } = response;
    if (statusCode >= 300 && statusCode < 400) {
      await response.body.dump().catch(() => undefined);

      throw new TypeError('fetch failed', { cause: new Error('unexpected redirect') });
    }

    const headers = responseHeaders(response.headers);
    if (NULL_BODY_STATUSES.has(statusCode)) {
      await response.body.dump().catch(() => undefined);

      return new Response(null, { status: statusCode, headers });
    }

    const streamed = (headers.get('content-type') ?? '').startsWith('text/event-stream');
    const content = streamed
      ? (Readable.toWeb(response.body) as ReadableStream<Uint8Array>)
      : await response.body.arrayBuffer();

    return new Response(content, { status: statusCode, headers });
  };
}
