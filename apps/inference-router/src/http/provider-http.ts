import { isIP } from 'node:net';

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, buildConnector } from 'undici';

import { parseHostAllowlist } from '@liya/contracts';
import type { RouterEnvironment } from '@liya/environment';

import { ROUTER_ENVIRONMENT } from '../config/router-environment.token';
import { BlockedAddressError, guardedLookup, isBlockedAddress } from './address-guard';
import { dispatcherFetch } from './dispatcher-fetch';

/** What the SDK clients take to send their requests through one of our connection pools. */
export interface ProviderTransport {
  fetch: typeof globalThis.fetch;
}

const KEEP_ALIVE_MS = 30_000;

/**
 * The router's HTTP connection pools, built once and shared by every call: TLS handshakes and
 * sockets are reused across requests and tenants (they hold no key; keys travel per request).
 * Operator-configured provider URLs use a plain pool. Tenant-supplied endpoints (Azure) use a
 * guarded pool whose connector refuses any address that is not public unless the host is on
 * PROVIDER_HOST_ALLOWLIST, at connect time. Neither pool follows redirects, so a key is never
 * replayed to another host.
 */
@Injectable()
export class ProviderHttp implements OnApplicationShutdown {
  readonly platform: ProviderTransport;
  readonly tenantEndpoint: ProviderTransport;

  private readonly agents: Agent[];

  constructor(@Inject(ROUTER_ENVIRONMENT) env: RouterEnvironment) {
    const allowlist = parseHostAllowlist(env.PROVIDER_HOST_ALLOWLIST);
    const poolOptions = {
      connections: env.PROVIDER_MAX_CONNECTIONS,
      keepAliveTimeout: KEEP_ALIVE_MS,
      headersTimeout: env.PROVIDER_TIMEOUT_MS,
      bodyTimeout: env.PROVIDER_TIMEOUT_MS,
    };

    const platformAgent = new Agent(poolOptions);
    const guardedAgent = new Agent({ ...poolOptions, connect: guardedConnector(allowlist) });

    this.agents = [platformAgent, guardedAgent];
    this.platform = transportOf(platformAgent);
    this.tenantEndpoint = transportOf(guardedAgent);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.agents.map((agent) => agent.close()));
  }
}

function transportOf(agent: Agent): ProviderTransport {
  return { fetch: dispatcherFetch(agent) };
}

/**
 * Connects allow-listed hosts as they are, and every other host only to public addresses: an IP
 * literal is checked here (sockets do not resolve literals), a name inside the lookup.
 */
export function guardedConnector(allowlist: readonly string[]): buildConnector.connector {
  const guarded = buildConnector({ lookup: guardedLookup });
  const plain = buildConnector({});

  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = options.port || (options.protocol === 'https:' ? '443' : '80');

    if (allowlist.includes(host) || allowlist.includes(`${host}:${port}`)) {
      return plain(options, callback);
    }

    if (isIP(host) !== 0 && isBlockedAddress(host)) {
      return callback(new BlockedAddressError(host), null);
    }

    return guarded(options, callback);
  };
}
