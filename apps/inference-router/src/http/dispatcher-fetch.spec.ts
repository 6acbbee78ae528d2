import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Agent } from 'undici';

import { dispatcherFetch } from './dispatcher-fetch';

describe('dispatcherFetch', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ path: string; headers: IncomingMessage['headers']; body: string }> = [];
  let streamClosedEarly: Promise<boolean>;
  let reportStreamClose: (early: boolean) => void;
  const agent = new Agent();
  const fetch = dispatcherFetch(agent);

  const routes: Record<string, (response: ServerResponse) => void> = {
    '/json': (response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'x-one': 'a' });
      response.end('{"ok":true}');
    },
    '/redirect': (response) => {
      response.writeHead(307, { location: `${base}/json` });
      response.end();
    },
    '/empty': (response) => {
      response.writeHead(204);
      response.end();
    },
    '/stream': (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
      response.on('close', () => reportStreamClose(!response.writableFinished));
    },
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';

      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ path: request.url ?? '', headers: request.headers, body });
        routes[(request.url ?? '').split('?')[0] ?? '']?.(response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await agent.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    seen.length = 0;
    streamClosedEarly = new Promise((resolve) => (reportStreamClose = resolve));
  });

  it('sends method, headers, query and body, and answers status, headers and body', async () => {
    const response = await fetch(`${base}/json?api-version=1`, {
      method: 'POST',
      headers: new Headers({ authorization: 'Bearer k', 'content-type': 'application/json' }),
      body: '{"a":1}',
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-one')).toBe('a');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({
      path: '/json?api-version=1',
      headers: { authorization: 'Bearer k' },
      body: '{"a":1}',
    });
  });

  it('refuses a redirect instead of following it', async () => {
    const failure = await fetch(`${base}/redirect`).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TypeError);
    expect(String((failure as TypeError).cause)).toMatch(/redirect/);
    expect(seen.map((request) => request.path)).toEqual(['/redirect']);
  });

  it('answers a bodiless status without a body', async () => {
    const response = await fetch(`${base}/empty`);

    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('hands a stream over as it arrives and closes it when cancelled', async () => {
    const response = await fetch(`${base}/stream`);
    const reader = response.body!.getReader();
    const first = await reader.read();

    expect(new TextDecoder().decode(first.value)).toBe('data: 1\n\n');

    await reader.cancel();
    expect(await streamClosedEarly).toBe(true);
  });

  it('aborts a call in flight when its signal fires', async () => {
    const abort = new AbortController();
    const response = await fetch(`${base}/stream`, { signal: abort.signal });
    const reader = response.body!.getReader();

    await reader.read();

    abort.abort();

    await expect(reader.read()).rejects.toBeDefined();
    expect(await streamClosedEarly).toBe(true);
  });
});
