import type { NatsConnection } from '@nats-io/transport-node';

import { rpcContract } from '@liya/contracts';
import { findNatsServer, startPrivateNats } from '@liya/dev-kit';
import { connectNats, RpcClient, RpcServer, withRequestLogContext } from '@liya/messaging';
import { createLogger } from '@liya/runtime';

interface ProbeRequest {
  tenantId: string;
  requestId?: string;
  meta?: { requestId: string };
}

const probe = rpcContract<ProbeRequest, { done: boolean }>('ops.log-context.probe');

describe('a bus handler’s log lines', () => {
  let nats: Awaited<ReturnType<typeof startPrivateNats>>;
  let serverConnection: NatsConnection;
  let clientConnection: NatsConnection;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const binary = findNatsServer();
    if (!binary) throw new Error('these tests need nats-server on the PATH');

    nats = await startPrivateNats(binary);
    serverConnection = withRequestLogContext(
      await connectNats({ url: nats.url, service: 'probe-service' }),
    );
    clientConnection = await connectNats({ url: nats.url, service: 'probe-client' });

    const logger = createLogger('probe-service', 'debug', {
      write: (line: string) => {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    });
    const server = new RpcServer(serverConnection, 'probe-service', logger);

    server.handle(probe, async (request) => {
      logger.debug('handler started');
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (request.tenantId === 'failing-co') throw new Error('unexpected failure');

      return { done: true };
    });
    await serverConnection.flush();
  });

  afterAll(async () => {
    await clientConnection?.drain();
    await serverConnection?.drain();
    await nats?.stop();
  });

  it('name the request and tenant of the message being served, across awaits', async () => {
    const client = new RpcClient(clientConnection);

    await client.call(probe, { tenantId: 'acme', requestId: 'req-acme-1' }, 2000);
    await client
      .call(probe, { tenantId: 'failing-co', meta: { requestId: 'req-fail-1' } }, 2000)
      .catch(() => undefined);

    const ids = lines.map(({ msg, requestId, tenantId }) => ({ msg, requestId, tenantId }));
    const ours = ['handler started', 'request failed unexpectedly'];

    expect(ids.filter(({ msg }) => ours.includes(String(msg)))).toEqual([
      { msg: 'handler started', requestId: 'req-acme-1', tenantId: 'acme' },
      { msg: 'handler started', requestId: 'req-fail-1', tenantId: 'failing-co' },
      { msg: 'request failed unexpectedly', requestId: 'req-fail-1', tenantId: 'failing-co' },
    ]);
    for (const line of ids) expect(line.requestId).toMatch(/^req-(acme|fail)-1$/);
  });
});
