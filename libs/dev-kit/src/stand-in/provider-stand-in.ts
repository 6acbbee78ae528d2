import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  anthropicMessage,
  anthropicModelList,
  anthropicStreamEvents,
  openAiCompletion,
  openAiModelList,
  openAiStreamEvents,
  replyPieces,
  replyText,
} from './stand-in-wire-formats';

export type StandInProvider = 'openai' | 'azure' | 'anthropic';

/** One request as the stand-in saw it: which wire format, which key, which settings. */
export interface RecordedCall {
  provider: StandInProvider;
  path: string;
  apiKey: string | null;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  method?: string;
  /** For a streamed answer: true once the client closed the connection before the end. */
  closedEarly?: boolean;
}

/** How the stand-in answers a given key, to play a provider's failures. */
export interface StandInFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Puts the request headers, key included, into the error body, as a careless API might. */
  echoRequestHeaders?: boolean;
}

/** How the stand-in streams to a given key, to play a slow or long answer. */
export interface StandInStreamBehaviour {
  chunkDelayMs?: number;
  chunkCount?: number;
  /** Drops the connection after this many events, as a provider failing mid-answer does. */
  dropAfterEvents?: number;
}

export interface ProviderStandInOptions {
  /** Keep every call in `calls` (default true); benchmarks turn it off. */
  record?: boolean;
}

export interface ProviderStandIn {
  url: string;
  port: number;
  /** OpenAI base URL for the SDK (`.../v1`). */
  openaiBaseUrl: string;
  /** Anthropic base URL for the SDK (no `/v1`: the SDK adds it). */
  anthropicBaseUrl: string;
  calls: RecordedCall[];
  failWith(apiKey: string, failure: StandInFailure): void;
  streamFor(apiKey: string, behaviour: StandInStreamBehaviour): void;
  reset(): void;
  close(): Promise<void>;
}

const AZURE_CHAT_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;
const RECORDED_HEADERS = [
  'authorization',
  'api-key',
  'x-api-key',
  'openai-organization',
  'anthropic-version',
  'user-agent',
];

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];

    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function bearer(request: IncomingMessage): string | null {
  return /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? null;
}

function keyOf(provider: StandInProvider, request: IncomingMessage): string | null {
  if (provider === 'azure') return (request.headers['api-key'] as string | undefined) ?? null;
  if (provider === 'anthropic') {
    return (request.headers['x-api-key'] as string | undefined) ?? bearer(request);
  }

  return bearer(request);
}

function providerOf(method: string, path: string, request: IncomingMessage) {
  const azureChat = AZURE_CHAT_PATH.exec(path);
  const anthropicHeaders = request.headers['anthropic-version'] !== undefined;

  if (method === 'POST' && path === '/v1/chat/completions') return { provider: 'openai' as const };
  if (method === 'POST' && path === '/v1/messages') return { provider: 'anthropic' as const };
  if (method === 'POST' && azureChat) {
    return { provider: 'azure' as const, deployment: azureChat[1] };
  }
  if (method === 'GET' && path === '/v1/models') {
    return {
      provider: anthropicHeaders ? ('anthropic' as const) : ('openai' as const),
      list: true,
    };
  }
  if (method === 'GET' && path === '/openai/models')
    return { provider: 'azure' as const, list: true };

  return null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A local server speaking the OpenAI, Azure OpenAI and Anthropic wire formats (chat, streaming
 * chat and model lists), so the real SDKs can be exercised offline. It answers every key unless
 * told to fail for one, and records each call so tests can see which key reached which provider.
 */
export async function startProviderStandIn(
  port = 0,
  host = '127.0.0.1',
  options: ProviderStandInOptions = {},
): Promise<ProviderStandIn> {
  const calls: RecordedCall[] = [];
  const failures = new Map<string, StandInFailure>();
  const streams = new Map<string, StandInStreamBehaviour>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const method = request.method ?? 'GET';
    const route = providerOf(method, url.pathname, request);

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };

    if (!route) {
      return send(404, { error: { message: 'not found', type: 'invalid_request_error' } });
    }

    const raw = method === 'POST' ? await readBody(request) : '';
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const apiKey = keyOf(route.provider, request);
    const headers: Record<string, string> = {};
    for (const name of RECORDED_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }

    const call: RecordedCall = {
      provider: route.provider,
      path: url.pathname + url.search,
      apiKey,
      headers,
      body,
      method,
    };
    if (options.record !== false) calls.push(call);

    const failure = apiKey ? failures.get(apiKey) : undefined;
    if (failure) {
      if (failure.delayMs) await sleep(failure.delayMs);

      const failureBody = failure.body ?? { error: { message: 'failure' } };
      const echoed = failure.echoRequestHeaders
        ? { ...(failureBody as object), request_headers: headers }
        : failureBody;

      return send(failure.status, echoed, failure.headers);
    }

    if (!apiKey) {
      return send(401, { error: { message: 'missing key', type: 'invalid_request_error' } });
    }

    if (route.list) {
      return send(200, route.provider === 'anthropic' ? anthropicModelList() : openAiModelList());
    }

    const model = String(body.model ?? route.deployment ?? 'unknown');
    if (body.stream === true) return streamAnswer(call, model, response, streams.get(apiKey));

    if (route.provider === 'anthropic') {
      return send(200, anthropicMessage(model, replyText('anthropic')));
    }

    return send(200, openAiCompletion(model, replyText(route.provider)));
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (response.headersSent) {
        response.destroy();

        return;
      }

      response.writeHead(500, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"stand-in failure"}}');
    });
  });

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://${host}:${actualPort}`;

  return {
    url,
    port: actualPort,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    calls,
    failWith: (apiKey, failure) => failures.set(apiKey, failure),
    streamFor: (apiKey, behaviour) => streams.set(apiKey, behaviour),
    reset: () => {
      calls.length = 0;
      failures.clear();
      streams.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function streamAnswer(
  call: RecordedCall,
  model: string,
  response: ServerResponse,
  behaviour: StandInStreamBehaviour = {},
): Promise<void> {
  const pieces = replyPieces(call.provider, behaviour.chunkCount ?? 3);
  const includeUsage =
    (call.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const events =
    call.provider === 'anthropic'
      ? anthropicStreamEvents(model, pieces)
      : openAiStreamEvents(model, pieces, includeUsage, call.provider === 'azure');

  call.closedEarly = false;
  response.on('close', () => {
    if (!response.writableFinished) call.closedEarly = true;
  });
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });

  for (const [index, event] of events.entries()) {
    if (response.destroyed) return;
    if (index === behaviour.dropAfterEvents) {
      // Let what was written reach the client first, so it sees a stream that breaks off.
      await sleep(50);
      response.destroy();

      return;
    }

    response.write(event);
    if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
  }

  response.end();
}
