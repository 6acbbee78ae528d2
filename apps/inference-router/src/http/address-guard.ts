import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a tenant-supplied endpoint may not reach: loopback, private, carrier-grade NAT,
 * link-local (where cloud metadata services live), unspecified, multicast and reserved ranges,
 * in IPv4 and IPv6. IPv4 written inside IPv6 (mapped or NAT64) is checked as IPv4.
 */
const BLOCKED = new BlockList();

for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}

for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

const EMBEDDED_IPV4 = /^(?:::ffff:|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/i;

function embeddedIpv4(address: string): string | undefined {
  const dotted = EMBEDDED_IPV4.exec(address)?.[1];
  if (dotted) return dotted;

  // ::ffff:7f00:1 is 127.0.0.1 written in hex.
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex?.[1] || !hex[2]) return undefined;

  const high = Number.parseInt(hex[1], 16);
  const low = Number.parseInt(hex[2], 16);

  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True when an address is not a public unicast address. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return BLOCKED.check(address, 'ipv4');

  const inner = embeddedIpv4(address.toLowerCase());
  if (inner) return isIP(inner) !== 4 || BLOCKED.check(inner, 'ipv4');

  return BLOCKED.check(address, 'ipv6');
}

/** Marks a refusal so the error mapper can tell it from an unreachable host. */
export class BlockedAddressError extends Error {
  readonly code = 'LIYA_BLOCKED_ADDRESS';

  constructor(hostname: string) {
    super(`${hostname} resolves to an address that is not public`);
    this.name = 'BlockedAddressError';
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `dns.lookup` that refuses a host when any of its addresses is not public. It runs inside the
 * socket's connect, so the address checked is the address connected to: a second resolution that
 * answers differently (DNS rebinding) cannot slip past it.
 */
export function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);

    const list = addresses as LookupAddress[];
    if (list.length === 0 || list.some((entry) => isBlockedAddress(entry.address))) {
      return callback(new BlockedAddressError(hostname), []);
    }

    if (options.all) return callback(null, list);

    const first = list[0] as LookupAddress;

    return callback(null, first.address, first.family);
  });
}
