import { CRYPTO_BATCH_MAX_ITEMS } from '@liya/contracts';

import type { RewrapOptions } from './rewrap-job';

export const REWRAP_USAGE =
  'usage: npm run rewrap -- [--batch-size N (1-100, default 100)] [--max-batches N] [--dry-run]';

/** The rewrap command's flags; anything else is refused with the usage line. */
export function parseRewrapArguments(args: string[]): RewrapOptions {
  const options: RewrapOptions = { batchSize: CRYPTO_BATCH_MAX_ITEMS };
  const queue = [...args];

  while (queue.length > 0) {
    const flag = queue.shift();

    if (flag === '--dry-run') {
      options.dryRun = true;
    } else if (flag === '--batch-size' || flag === '--max-batches') {
      const value = Number(queue.shift());
      const max = flag === '--batch-size' ? CRYPTO_BATCH_MAX_ITEMS : Number.MAX_SAFE_INTEGER;
      if (!Number.isInteger(value) || value < 1 || value > max) {
        throw new Error(`${flag} needs a whole number from 1 to ${max}`);
      }

      if (flag === '--batch-size') options.batchSize = value;
      else options.maxBatches = value;
    } else {
      throw new Error(`unknown argument ${JSON.stringify(flag)}`);
    }
  }

  return options;
}
