import { createHash } from 'node:crypto';

import type { ByokConfigUpdatedEvent } from '@liya/contracts';

/** The hash before a tenant's first row. */
export const CHAIN_GENESIS_HASH = '0'.repeat(64);

export const CHAIN_HASH_VERSION = 1;

/** What the hash of one stored row covers: the event, its place in the tenant's chain. */
export interface ChainedContent {
  chainIndex: number;
  event: ByokConfigUpdatedEvent;
}

/** JSON with object keys sorted at every depth, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));

    const members = entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`);

    return `{${members.join(',')}}`;
  }

  return JSON.stringify(value);
}

/**
 * A row's hash: SHA-256 over the version, the previous row's hash and the canonical content. A
 * changed field, a removed or reordered row all change every hash after it.
 */
export function chainHash(previousHash: string, content: ChainedContent): string {
  const canonical = canonicalJson({ chain_index: content.chainIndex, event: content.event });

  return createHash('sha256')
    .update(`liya-audit-chain:v${CHAIN_HASH_VERSION}\n${previousHash}\n${canonical}`)
    .digest('hex');
}
