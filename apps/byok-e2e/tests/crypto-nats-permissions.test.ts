import { errors, type NatsConnection } from '@nats-io/transport-node';

import { CryptoRpc } from '@liya/contracts';
import { connectNats, RpcClient } from '@liya/messaging';

import {
  bareClient,
  type CryptoProcess,
  NATS_CONFIG,
  natsCredentials,
  privateNats,
  type PrivateNats,
  randomKey,
  ScratchDirectory,
  startCryptoProcess,
} from './crypto-support';

const SECRET = `sk-ant-permissions-${Date.now().toString(36)}`;
const encoder = new TextEncoder();

// A refused request can arrive wrapped, so the server's own words are what is checked.
function isPermissionViolation(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'PermissionViolationError' ||
      /^Permissions Violation for (Publish|Subscription) to /.test(error.message))
  );
}

/** What a request gets: a reply, or the server's refusal of the publish. */
async function outcomeOf(connection: NatsConnection, subject: string, body: unknown) {
  try {
    const reply = await connection.request(subject, encoder.encode(JSON.stringify(body)), {
      timeout: 3000,
    });

    return (reply.json() as { ok: boolean }).ok ? 'answered' : 'answered with an error';
  } catch (error) {
    if (isPermissionViolation(error)) return 'refused';
    if (error instanceof errors.RequestError && error.isNoResponders()) return 'no responders';

    return `failed: ${(error as Error).message}`;
  }
}

/** Subscribes and reports whether the server refused it and which subjects it still received. */
function watch(connection: NatsConnection, subject: string) {
  const received: string[] = [];
  let refused = false;

  connection.subscribe(subject, {
    callback: (error, message) => {
      if (isPermissionViolation(error)) refused = true;
      else if (message) received.push(message.subject);
    },
  });

  return { received, isRefused: () => refused };
}

describe('who may ask crypto-service, under the shipped NATS configuration', () => {
  const scratch = new ScratchDirectory();
  const credentials = natsCredentials();
  const connections: NatsConnection[] = [];
  let nats: PrivateNats;
  let crypto: CryptoProcess;
  let ciphertext: string;

  const as = async (user: string, inboxOf = user) => {
    const connection = await connectNats({
      url: nats.url,
      service: inboxOf,
      user,
      password: credentials[user],
    });

    connections.push(connection);

    return connection;
  };
  const decryptRequest = () => ({ tenantId: 'acme', field: 'anthropic_api_key', ciphertext });

  beforeAll(async () => {
    nats = await privateNats(NATS_CONFIG);
    crypto = await startCryptoProcess({
      natsUrl: nats.url,
      env: {
        MASTER_KEY_FILE: scratch.file(
          'ring.json',
          JSON.stringify({ active: '1', keys: { 1: randomKey() } }),
        ),
      },
      user: 'crypto-service',
      password: credentials['crypto-service'],
    });

    const config = new RpcClient(await as('config-service'), 5000);

    ({ ciphertext } = await config.call(CryptoRpc.encrypt, {
      tenantId: 'acme',
      field: 'anthropic_api_key',
      plaintext: SECRET,
    }));
  });

  afterAll(async () => {
    for (const connection of connections) await connection.close().catch(() => undefined);
    await crypto?.stop();
    await nats?.stop();
    scratch.remove();
  });

  it('declares a user for every service', () => {
    expect(Object.keys(credentials).sort()).toEqual(
      expect.arrayContaining([
        'audit-service',
        'config-service',
        'crypto-service',
        'gateway',
        'inference-router',
      ]),
    );
  });

  it('refuses a connection without credentials', async () => {
    await expect(bareClient(nats.url)).rejects.toThrow(/Authorization Violation/i);
  });

  it('lets config-service encrypt and rewrap, and inference-router decrypt', async () => {
    const config = await as('config-service');
    const router = await as('inference-router');
    const rewrap = decryptRequest();

    expect(await outcomeOf(config, CryptoRpc.rewrap.subject, rewrap)).toBe('answered');
    expect(await outcomeOf(config, CryptoRpc.rewrapBatch.subject, { items: [rewrap] })).toBe(
      'answered',
    );
    expect(
      await new RpcClient(router, 5000).call(CryptoRpc.decrypt, {
        tenantId: 'acme',
        field: 'anthropic_api_key',
        ciphertext,
      }),
    ).toEqual({ plaintext: SECRET });
  });

  it("refuses a replayed decrypt from the gateway's and audit-service's credentials", async () => {
    const handledBefore = await crypto.handled('decrypt');
    const outcomes: Record<string, string> = {};

    for (const user of ['gateway', 'audit-service', 'config-service', 'billing']) {
      const connection = await as(user);

      outcomes[`${user} decrypt`] = await outcomeOf(
        connection,
        CryptoRpc.decrypt.subject,
        decryptRequest(),
      );
      outcomes[`${user} decrypt batch`] = await outcomeOf(
        connection,
        CryptoRpc.decryptBatch.subject,
        { items: [decryptRequest()] },
      );
    }

    expect(outcomes).toEqual({
      'gateway decrypt': 'refused',
      'gateway decrypt batch': 'refused',
      'audit-service decrypt': 'refused',
      'audit-service decrypt batch': 'refused',
      'config-service decrypt': 'refused',
      'config-service decrypt batch': 'refused',
      'billing decrypt': 'refused',
      'billing decrypt batch': 'refused',
    });
    expect(await crypto.handled('decrypt')).toBe(handledBefore);
  });

  it('refuses encrypt and rewrap to every service but config-service', async () => {
    const outcomes: Record<string, string> = {};
    const encrypt = { tenantId: 'acme', field: 'openai_api_key', plaintext: SECRET };

    for (const user of ['inference-router', 'gateway', 'audit-service', 'crypto-service']) {
      const connection = await as(user);

      outcomes[`${user} encrypt`] = await outcomeOf(connection, CryptoRpc.encrypt.subject, encrypt);
      outcomes[`${user} rewrap`] = await outcomeOf(
        connection,
        CryptoRpc.rewrap.subject,
        decryptRequest(),
      );
    }

    expect(outcomes).toEqual(
      Object.fromEntries(Object.keys(outcomes).map((attempt) => [attempt, 'refused'])),
    );
    expect(Object.keys(outcomes)).toHaveLength(8);
  });

  it("keeps every service's replies and crypto requests from other subscribers", async () => {
    const gateway = await as('gateway');
    const audit = await as('audit-service');
    const watchers = {
      "gateway on the router's inbox": watch(gateway, '_INBOX.inference-router.>'),
      'gateway on every inbox': watch(gateway, '_INBOX.>'),
      'gateway on everything': watch(gateway, '>'),
      'gateway on encrypt requests': watch(gateway, CryptoRpc.encrypt.subject),
      "audit-service on the router's inbox": watch(audit, '_INBOX.inference-router.>'),
      'audit-service on decrypt requests': watch(audit, CryptoRpc.decrypt.subject),
    };
    const ownInbox = watch(gateway, '_INBOX.gateway.>');

    await gateway.flush();
    await audit.flush();

    const router = new RpcClient(await as('inference-router'), 5000);
    const config = new RpcClient(await as('config-service'), 5000);

    await router.call(CryptoRpc.decrypt, {
      tenantId: 'acme',
      field: 'anthropic_api_key',
      ciphertext,
    });
    await config.call(CryptoRpc.encrypt, {
      tenantId: 'acme',
      field: 'openai_api_key',
      plaintext: SECRET,
    });
    await gateway.flush();
    await audit.flush();

    expect(
      Object.fromEntries(
        Object.entries(watchers).map(([name, watcher]) => [
          name,
          { refused: watcher.isRefused(), received: watcher.received },
        ]),
      ),
    ).toEqual(
      Object.fromEntries(
        Object.keys(watchers).map((name) => [name, { refused: true, received: [] }]),
      ),
    );
    expect(ownInbox.isRefused()).toBe(false);
    expect(ownInbox.received).toEqual([]);
  });

  it("cannot borrow another service's inbox prefix to read its replies", async () => {
    const impostor = await as('gateway', 'inference-router');

    expect(await outcomeOf(impostor, 'audit.query', { tenantId: 'acme', limit: 1 })).toBe(
      'refused',
    );
  });

  it('lets crypto-service answer requests but publish nothing of its own', async () => {
    const cryptoUser = await as('crypto-service');

    expect(await outcomeOf(cryptoUser, 'config.resolve', { tenantId: 'acme' })).toBe('refused');
    expect(await outcomeOf(cryptoUser, CryptoRpc.decrypt.subject, decryptRequest())).toBe(
      'refused',
    );
  });
});
