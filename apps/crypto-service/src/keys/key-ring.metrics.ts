import { Gauge, type Registry } from 'prom-client';

import type { KeyRing } from '@liya/crypto-core';

/**
 * Which master-key versions this replica holds and in which state (active, decrypt_only, retired),
 * so a rotation can be checked on every replica before the next step. Version names only.
 */
export function registerKeyRingMetrics(keyRing: KeyRing, registry: Registry): void {
  const gauge = new Gauge({
    name: 'liya_crypto_key_version_info',
    help: 'Master-key versions held by this replica, by state (value is always 1)',
    labelNames: ['version', 'state'] as const,
    registers: [registry],
  });
  const ring = keyRing.describe();

  gauge.set({ version: ring.active, state: 'active' }, 1);
  for (const version of ring.decryptOnly) gauge.set({ version, state: 'decrypt_only' }, 1);
  for (const version of ring.retired) gauge.set({ version, state: 'retired' }, 1);
}
