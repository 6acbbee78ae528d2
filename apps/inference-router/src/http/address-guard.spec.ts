import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Agent, fetch } from 'undici';

import { isBlockedAddress } from './address-guard';
import { guardedConnector } from './provider-http';

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.0.0.8',
    '172.16.4.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['20.42.73.1', '52.152.96.252', '172.32.0.1', '2603:1030::1', '::ffff:20.42.73.1'])(
    'accepts the public address %s',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );
});

describe('guardedConnector, at connect time', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_request, response) => response.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function get(url: string, allowlist: string[]): Promise<string> {
    const agent = new Agent({ connect: guardedConnector(allowlist) });

    try {
      const response = await fetch(url, { dispatcher: agent });

      return await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;

      return `refused: ${cause?.code ?? 'unknown'}`;
    } finally {
      await agent.close();
    }
  }

  it('refuses a name that resolves to loopback, after resolving it itself', async () => {
    expect(await get(`http://localhost:${port}/`, [])).toBe('refused: LIYA_BLOCKED_ADDRESS');
  });

  it('refuses a private address literal, which sockets never resolve', async () => {
    expect(await get(`http://127.0.0.1:${port}/`, [])).toBe('refused: LIYA_BLOCKED_ADDRESS');
  });

  it('connects to a host the allow list names, with or without its port', async () => {
    expect(await get(`http://127.0.0.1:${port}/`, [`127.0.0.1:${port}`])).toBe('reached');
    expect(await get(`http://localhost:${port}/`, ['localhost'])).toBe('reached');
  });

  it('does not let an allow-listed port stand for another port', async () => {
    expect(await get(`http://127.0.0.1:${port}/`, ['127.0.0.1:1'])).toBe(
      'refused: LIYA_BLOCKED_ADDRESS',
    );
  });
});
