import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StandInProvider = 'openai' | 'azure' | 'anthropic';

/** One request as the stand-in saw it: which wire format, which key, which settings. */
export interface RecordedCall {
  provider: StandInProvider;
  path: string;
  apiKey: string | null;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** How the stand-in answers a given key, to play a provider's failures. */
export interface StandInFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
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
  reset(): void;
  close(): Promise<void>;
}

const AZURE_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];

    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function bearer(request: IncomingMessage): string | null {
  const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');

  return match?.[1] ?? null;
}

function keyOf(provider: StandInProvider, request: IncomingMessage): string | null {
  if (provider === 'azure') return (request.headers['api-key'] as string | undefined) ?? null;
  if (provider === 'anthropic') {
    return (request.headers['x-api-key'] as string | undefined) ?? bearer(request);
  }

  return bearer(request);
}

function openAiCompletion(model: string, content: string) {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
  };
}

function anthropicMessage(model: string, content: string) {
  return {
    id: `msg_${randomUUID().replace(/-/g, '')}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: content }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 7 },
  };
}

/**
 * A local server speaking the OpenAI, Azure OpenAI and Anthropic chat wire formats, so the real
 * SDKs can be exercised offline. It answers every key unless told to fail for one, and records
 * each call so tests can see which key reached which provider.
 */
export async function startProviderStandIn(port = 0, host = '127.0.0.1'): Promise<ProviderStandIn> {
  const calls: RecordedCall[] = [];
  const failures = new Map<string, StandInFailure>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const azureMatch = AZURE_PATH.exec(url.pathname);
    const provider: StandInProvider | null =
      url.pathname === '/v1/chat/completions'
        ? 'openai'
        : url.pathname === '/v1/messages'
          ? 'anthropic'
          : azureMatch
            ? 'azure'
            : null;

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };

    if (request.method !== 'POST' || !provider) {
      return send(404, { error: { message: 'not found', type: 'invalid_request_error' } });
    }

    const raw = await readBody(request);
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const apiKey = keyOf(provider, request);
    const headers: Record<string, string> = {};
    for (const name of [
      'authorization',
      'api-key',
      'x-api-key',
      'openai-organization',
      'user-agent',
    ]) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }

    calls.push({ provider, path: url.pathname + url.search, apiKey, headers, body });

    const failure = apiKey ? failures.get(apiKey) : undefined;
    if (failure) {
      if (failure.delayMs) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));

      return send(
        failure.status,
        failure.body ?? { error: { message: 'failure' } },
        failure.headers,
      );
    }

    if (!apiKey) {
      return send(401, { error: { message: 'missing key', type: 'invalid_request_error' } });
    }

    const model = String(body.model ?? azureMatch?.[1] ?? 'unknown');
    const content = `stand-in reply from ${provider}`;

    if (provider === 'anthropic') return send(200, anthropicMessage(model, content));

    return send(200, openAiCompletion(model, content));
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
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
    reset: () => {
      calls.length = 0;
      failures.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
