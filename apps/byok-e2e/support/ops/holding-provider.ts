import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldingProvider {
  /** OpenAI base URL for the router (`.../v1`). */
  openaiBaseUrl: string;
  /** Requests received and not yet answered. */
  pending(): number;
  /** Requests received since the start. */
  received(): number;
  /** Answers every held request, and from now on answers at once. */
  releaseAll(): void;
  /** Holds requests again until the next release. */
  hold(): void;
  close(): Promise<void>;
}

function completion(model: string): string {
  return JSON.stringify({
    id: `chatcmpl-held-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content: 'answered' }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  });
}

/**
 * An OpenAI chat endpoint that holds every answer until told to release, so a test can stop a
 * service while requests are provably in flight, without relying on timings.
 */
export async function startHoldingProvider(): Promise<HoldingProvider> {
  const held: Array<() => void> = [];
  let holding = true;
  let received = 0;

  const server = createServer((request, response: ServerResponse) => {
    const chunks: Buffer[] = [];

    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received += 1;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        model?: string;
      };
      const answer = () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(completion(body.model ?? 'gpt-4o-mini'));
      };

      if (holding) held.push(answer);
      else answer();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    openaiBaseUrl: `http://127.0.0.1:${port}/v1`,
    pending: () => held.length,
    received: () => received,
    releaseAll: () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    hold: () => {
      holding = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
