import {
  configChangedSubject,
  CRYPTO_BATCH_MAX_ITEMS,
  CryptoRpc,
  type ErrorCode,
  type RewrapBatchReply,
} from '@liya/contracts';
import type { RpcClient } from '@liya/messaging';

import type { RewrapStore, SecretPosition, StaleSecret } from './rewrap-store';

export interface RewrapOptions {
  /** Rows per crypto request, at most CRYPTO_BATCH_MAX_ITEMS. */
  batchSize: number;
  /** Stop after this many batches (the rest is left for a later run). */
  maxBatches?: number;
  /** Only count ciphertexts per key version; change nothing. */
  dryRun?: boolean;
  callTimeoutMs?: number;
}

export interface RewrapReport {
  activeVersion: string;
  batches: number;
  rewrapped: number;
  /** Rows a PATCH changed or erased between read and write; their newer value was kept. */
  changedMeanwhile: number;
  failed: Array<{ tenantId: string; field: string; code: ErrorCode }>;
  /** Ciphertexts per key version when the run ended. */
  byKeyVersion: Record<string, number>;
  /** True when the run stopped before the end (asked to, or by a signal). */
  stoppedEarly: boolean;
}

/** The run cannot go on safely; nothing half-done is left behind (every write is per row). */
export class RewrapAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RewrapAbort';
  }
}

// Rows written under an older version while a pass ran (a replica not yet rolled) are caught by
// another pass; a few are plenty, since every pass starts after the new ring is everywhere.
const MAX_PASSES = 3;

/**
 * Re-wraps every stored ciphertext to crypto-service's active key version, in batches, while
 * traffic flows. Resumable by construction: it only ever selects rows not yet under the active
 * version, so a run that stops (or is stopped) is continued by simply running it again.
 */
export class RewrapJob {
  private stopRequested = false;

  constructor(
    private readonly store: RewrapStore,
    private readonly rpc: RpcClient,
    private readonly announce: (subject: string, body: string) => void,
    private readonly progress: (line: string) => void,
  ) {}

  /** Finishes the batch in hand, then ends the run. */
  requestStop(): void {
    this.stopRequested = true;
  }

  async run(options: RewrapOptions): Promise<RewrapReport> {
    const batchSize = Math.min(Math.max(1, options.batchSize), CRYPTO_BATCH_MAX_ITEMS);
    const timeoutMs = options.callTimeoutMs ?? 10_000;

    // An empty batch asks crypto-service which version it encrypts under, touching no key.
    const probe = await this.rpc.call(CryptoRpc.rewrapBatch, { items: [] }, timeoutMs);
    const report: RewrapReport = {
      activeVersion: probe.activeKeyVersion,
      batches: 0,
      rewrapped: 0,
      changedMeanwhile: 0,
      failed: [],
      byKeyVersion: {},
      stoppedEarly: false,
    };

    this.progress(`active key version ${report.activeVersion}`);

    if (!options.dryRun) {
      for (let pass = 1; pass <= MAX_PASSES; pass += 1) {
        await this.pass(report, batchSize, options.maxBatches, timeoutMs);
        if (report.stoppedEarly || report.failed.length > 0) break;

        const left = await this.store.staleAfter(report.activeVersion, null, 1);
        if (left.length === 0) break;
      }
    }

    report.byKeyVersion = await this.store.countByKeyVersion();

    return report;
  }

  private async pass(
    report: RewrapReport,
    batchSize: number,
    maxBatches: number | undefined,
    timeoutMs: number,
  ): Promise<void> {
    let after: SecretPosition | null = null;

    for (;;) {
      if (this.stopRequested || (maxBatches !== undefined && report.batches >= maxBatches)) {
        report.stoppedEarly = true;

        return;
      }

      const rows = await this.store.staleAfter(report.activeVersion, after, batchSize);
      if (rows.length === 0) return;

      const last = rows[rows.length - 1]!;

      after = { tenantId: last.tenantId, field: last.field };

      const reply = await this.rpc.call(
        CryptoRpc.rewrapBatch,
        {
          items: rows.map(({ tenantId, field, ciphertext }) => ({ tenantId, field, ciphertext })),
        },
        timeoutMs,
      );

      await this.apply(report, rows, reply);
      report.batches += 1;
    }
  }

  private async apply(
    report: RewrapReport,
    rows: StaleSecret[],
    reply: RewrapBatchReply,
  ): Promise<void> {
    this.checkSameVersion(report.activeVersion, reply.activeKeyVersion);
    if (reply.results.length !== rows.length) {
      throw new RewrapAbort('crypto-service answered a batch with the wrong number of results');
    }

    const changedTenants = new Map<string, number>();
    let rewrapped = 0;
    let changedMeanwhile = 0;

    for (const [index, row] of rows.entries()) {
      const result = reply.results[index]!;
      if (!result.ok) {
        report.failed.push({ tenantId: row.tenantId, field: row.field, code: result.error.code });
        this.progress(`  ${row.tenantId} ${row.field}: not rewrapped (${result.error.code})`);
        continue;
      }

      this.checkSameVersion(report.activeVersion, result.value.keyVersion);
      if (await this.store.replaceIfUnchanged(row, result.value)) {
        rewrapped += 1;
        changedTenants.set(row.tenantId, row.configVersion);
      } else {
        changedMeanwhile += 1;
      }
    }

    // The routers drop their cached ciphertexts of these tenants and read the rewrapped ones.
    for (const [tenantId, version] of changedTenants) {
      this.announce(configChangedSubject(tenantId), JSON.stringify({ tenantId, version }));
    }

    report.rewrapped += rewrapped;
    report.changedMeanwhile += changedMeanwhile;
    this.progress(
      `batch ${report.batches + 1}: ${rows.length} read, ${rewrapped} rewrapped to version ` +
        `${report.activeVersion}, ${changedMeanwhile} changed meanwhile (kept), ` +
        `${rows.length - rewrapped - changedMeanwhile} failed`,
    );
  }

  private checkSameVersion(expected: string, answered: string): void {
    if (answered !== expected) {
      throw new RewrapAbort(
        `crypto-service replicas disagree on the active key version (${expected} and ` +
          `${answered}); finish rolling out the key ring, then run the rewrap again`,
      );
    }
  }
}
