import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

import { type ChatCompletionChunk, type InferenceUsageEvent, USAGE_STREAM } from '@liya/contracts';

import type { SystemFixture } from '../support/system-fixture';

export const CHAT_BODY = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Answer briefly.' },
    { role: 'user', content: 'Hello' },
  ],
};

/** Stores a tenant's provider configuration through the dashboard API, as an owner would. */
export async function configure(
  fixture: SystemFixture,
  token: string,
  providerConfig: Record<string, unknown>,
): Promise<void> {
  const response = await fixture.request('PATCH', '/dashboard/account/config', {
    token,
    body: { providerConfig },
  });

  if (response.status !== 200) {
    throw new Error(`configuring failed: ${response.status} ${response.text}`);
  }
}

/** The `data:` payloads of a server-sent event stream, in order. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .map((event) => event.trim())
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
}

export function sseChunks(text: string): ChatCompletionChunk[] {
  return sseData(text)
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as ChatCompletionChunk);
}

export function streamedContent(text: string): string {
  return sseChunks(text)
    .flatMap((chunk) => chunk.choices)
    .map((choice) => choice.delta.content ?? '')
    .join('');
}

export async function connectBus(fixture: SystemFixture): Promise<NatsConnection> {
  return connect({ servers: fixture.infrastructure.natsUrl, timeout: 5000 });
}

/** Every usage event on the USAGE stream so far, oldest first. */
export async function usageEvents(connection: NatsConnection): Promise<InferenceUsageEvent[]> {
  const manager = await jetstreamManager(connection, { timeout: 5000 });
  const info = await manager.streams.info(USAGE_STREAM);
  const events: InferenceUsageEvent[] = [];

  for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq += 1) {
    const message = await manager.streams.getMessage(USAGE_STREAM, { seq });
    if (message) events.push(message.json<InferenceUsageEvent>());
  }

  return events;
}

/** Waits for the usage event of one gateway request (the request id is the x-request-id). */
export async function usageEventOf(
  fixture: SystemFixture,
  connection: NatsConnection,
  requestId: string,
): Promise<InferenceUsageEvent> {
  return fixture.waitFor(async () => {
    const events = await usageEvents(connection);

    return events.find((event) => event.request_id === requestId);
  }, `the usage event of ${requestId}`);
}

/** All output of the system so far, for leak searches. */
export function everything(fixture: SystemFixture): Array<{ where: string; text: string }> {
  return [
    ...fixture.responses.map((response) => ({
      where: `${response.method} ${response.path} (${response.status})`,
      text: JSON.stringify(response.headers) + response.body,
    })),
    ...fixture.logs.map((entry) => ({ where: `${entry.service} log`, text: entry.line })),
  ];
}
