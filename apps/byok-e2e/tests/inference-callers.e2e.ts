import { credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { jetstreamManager } from '@nats-io/jetstream';
import { createInbox, type NatsConnection } from '@nats-io/transport-node';

import {
  CHAT_STREAM_SUBJECT,
  type ChatStreamFrame,
  INFERENCE_PROTO_PATH,
  type RpcReply,
  type ChatReply,
} from '@liya/contracts';
import { freePort } from '@liya/dev-kit';
import { ensureUsageStream, USAGE_STREAM_CONFIG } from '@liya/messaging';

import { canaryKey, startSystemFixture, type SystemFixture } from '../support/system-fixture';
import { CHAT_BODY, configure, connectBus, usageEventOf, usageEvents } from './inference-support';

type GrpcClient = {
  Chat(
    request: object,
    options: { deadline: Date },
    callback: (error: ServiceError | null, reply: Record<string, string>) => void,
  ): void;
  ChatStream(request: object, options: { deadline: Date }): NodeJS.EventEmitter;
  close(): void;
};

function grpcClient(port: number): GrpcClient {
  const definition = loadSync(INFERENCE_PROTO_PATH, { keepCase: true, oneofs: true });
  const loaded = loadPackageDefinition(definition) as unknown as {
    liya: { inference: { v1: { InferenceRouter: new (...args: unknown[]) => GrpcClient } } };
  };

  return new loaded.liya.inference.v1.InferenceRouter(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  );
}

const deadline = () => new Date(Date.now() + 10_000);

/** Internal services call the router directly, naming the tenant, over NATS and gRPC. */
describe('internal callers over NATS and gRPC', () => {
  let fixture: SystemFixture;
  let bus: NatsConnection;
  let grpc: GrpcClient;
  const tenantKey = canaryKey('sk-ant-');

  beforeAll(async () => {
    const grpcPort = await freePort();

    fixture = await startSystemFixture({
      extraEnv: { 'inference-router': { GRPC_PORT: String(grpcPort), GRPC_HOST: '127.0.0.1' } },
    });
    bus = await connectBus(fixture);
    grpc = grpcClient(grpcPort);

    const token = fixture.tokenFor({ tenantId: 'internal', role: 'admin', plan: 'growth' });

    await configure(fixture, token, { mode: 'byok', anthropic_api_key: tenantKey });
  });

  afterAll(async () => {
    grpc?.close();
    await bus?.close();
    await fixture?.close();
  });

  it('answers a NATS request naming the tenant, with that tenant key', async () => {
    fixture.standIn.reset();

    const message = await bus.request(
      'inference.chat',
      JSON.stringify({ tenantId: 'internal', requestId: 'nats-unary-1', body: CHAT_BODY }),
      { timeout: 10_000 },
    );
    const reply = message.json<RpcReply<ChatReply>>();

    expect(reply).toMatchObject({
      ok: true,
      value: {
        provider: 'anthropic',
        keySource: 'byok',
        completion: { choices: [{ message: { content: 'stand-in reply from anthropic' } }] },
      },
    });
    expect(fixture.standIn.calls[0]?.apiKey).toBe(tenantKey);
    expect(await usageEventOf(fixture, bus, 'nats-unary-1')).toMatchObject({
      tenant_id: 'internal',
      provider: 'anthropic',
    });
  });

  it('refuses a NATS request without a well-formed tenant', async () => {
    const message = await bus.request(
      'inference.chat',
      JSON.stringify({ tenantId: '../other', body: CHAT_BODY }),
      { timeout: 10_000 },
    );

    expect(message.json()).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('streams over NATS as ordered frames: accepted, start, chunks, end', async () => {
    const inbox = createInbox('_INBOX.test');
    const subscription = bus.subscribe(inbox);
    const request = {
      tenantId: 'internal',
      requestId: 'nats-stream-1',
      body: { ...CHAT_BODY, stream: true },
      streamId: 'stream-internal-0001',
      deadlineMs: 10_000,
    };

    bus.publish(CHAT_STREAM_SUBJECT, JSON.stringify(request), { reply: inbox });

    const frames: ChatStreamFrame[] = [];
    const timer = setTimeout(() => subscription.unsubscribe(), 10_000);
    for await (const message of subscription) {
      const frame = message.json<ChatStreamFrame>();

      frames.push(frame);
      if (frame.type === 'end' || frame.type === 'error') break;
    }
    clearTimeout(timer);

    expect(frames.map((frame) => frame.seq)).toEqual(frames.map((_, index) => index));
    expect(frames.map((frame) => frame.type)).toEqual([
      'accepted',
      'start',
      ...frames.slice(2, -1).map(() => 'chunk'),
      'end',
    ]);
    expect(frames[1]).toMatchObject({ provider: 'anthropic', keySource: 'byok' });

    const text = frames
      .map((frame) => (frame.type === 'chunk' ? (frame.chunk.choices[0]?.delta.content ?? '') : ''))
      .join('');

    expect(text).toBe('stand-in reply from anthropic');
  });

  it('answers a unary gRPC call naming the tenant', async () => {
    fixture.standIn.reset();

    const reply = await new Promise<Record<string, string>>((resolve, reject) => {
      grpc.Chat(
        { tenant_id: 'internal', request_id: 'grpc-unary-1', body_json: JSON.stringify(CHAT_BODY) },
        { deadline: deadline() },
        (error, value) => (error ? reject(error) : resolve(value)),
      );
    });

    expect(reply.provider).toBe('anthropic');
    expect(reply.key_source).toBe('byok');
    expect(JSON.parse(reply.completion_json ?? '{}')).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { content: 'stand-in reply from anthropic' } }],
    });
    expect(fixture.standIn.calls[0]?.apiKey).toBe(tenantKey);
  });

  it('streams over gRPC: a start event, then completion chunks', async () => {
    const events: Array<{ start?: Record<string, string>; chunk_json?: string }> = [];

    await new Promise<void>((resolve, reject) => {
      const call = grpc.ChatStream(
        {
          tenant_id: 'internal',
          request_id: 'grpc-stream-1',
          body_json: JSON.stringify(CHAT_BODY),
        },
        { deadline: deadline() },
      );

      call.on('data', (event: (typeof events)[number]) => events.push(event));
      call.on('end', () => resolve());
      call.on('error', reject);
    });

    expect(events[0]?.start).toEqual({ provider: 'anthropic', key_source: 'byok' });

    const chunks = events.slice(1).map((event) => JSON.parse(event.chunk_json ?? '{}'));
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');

    expect(text).toBe('stand-in reply from anthropic');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('returns our error code and message over gRPC, never the provider text', async () => {
    fixture.standIn.failWith(tenantKey, {
      status: 429,
      headers: { 'retry-after': '9' },
      body: {
        type: 'error',
        error: { type: 'rate_limit_error', message: `slow down ${tenantKey}` },
      },
    });

    const error = await new Promise<ServiceError>((resolve) => {
      grpc.Chat(
        { tenant_id: 'internal', request_id: 'grpc-error-1', body_json: JSON.stringify(CHAT_BODY) },
        { deadline: deadline() },
        (failure) => resolve(failure as ServiceError),
      );
    });

    expect(error.code).toBe(8);
    expect(error.details).toBe('Anthropic is rate limiting this key');
    expect((error.metadata as Metadata).get('liya-error-code')).toEqual(['provider_rate_limited']);
    expect((error.metadata as Metadata).get('retry-after')).toEqual(['9']);
  });

  it('sets up the USAGE stream idempotently, keeping the events it holds', async () => {
    const before = await usageEvents(bus);

    await Promise.all([ensureUsageStream(bus), ensureUsageStream(bus), ensureUsageStream(bus)]);

    const manager = await jetstreamManager(bus);
    const info = await manager.streams.info(USAGE_STREAM_CONFIG.name);

    expect(info.config.subjects).toEqual(['usage.inference.>']);
    expect(before.length).toBeGreaterThan(0);
    expect(await usageEvents(bus)).toEqual(before);
  });

  it('creates the USAGE stream once when several replicas race to create it', async () => {
    const manager = await jetstreamManager(bus);

    await manager.streams.delete(USAGE_STREAM_CONFIG.name);

    const outcomes = await Promise.allSettled([
      ensureUsageStream(bus),
      ensureUsageStream(bus),
      ensureUsageStream(bus),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect((await manager.streams.info(USAGE_STREAM_CONFIG.name)).config.max_msg_size).toBe(8192);
  });

  it('refuses a gRPC call whose body is not JSON', async () => {
    const error = await new Promise<ServiceError>((resolve) => {
      grpc.Chat(
        { tenant_id: 'internal', request_id: 'grpc-bad', body_json: '{not json' },
        { deadline: deadline() },
        (failure) => resolve(failure as ServiceError),
      );
    });

    expect(error.code).toBe(3);
    expect((error.metadata as Metadata).get('liya-error-code')).toEqual(['invalid_request']);
  });
});
