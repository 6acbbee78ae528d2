import 'reflect-metadata';

import { parseArgs } from 'node:util';

import { Client } from 'pg';

import { auditEnvironmentSchema } from '@liya/environment';
import { displayUrl, parseEnvironment } from '@liya/runtime';

import { verifyTenantChain } from '../audit-chain/chain-verifier';

const USAGE = 'usage: npm run audit:verify -- --tenant <tenant id>';

/**
 * Verifies one tenant's audit chain straight from the database and names the first broken row.
 * Exit code 0: intact; 1: broken; 2: could not check (usage, database).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { tenant: { type: 'string' } }, strict: true });
  const tenantId = values.tenant;
  if (!tenantId || !/^[A-Za-z0-9_.-]{1,128}$/.test(tenantId)) {
    process.stderr.write(`${USAGE}\n`);

    return 2;
  }

  const env = parseEnvironment(auditEnvironmentSchema);
  const client = new Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: 5000 });

  try {
    await client.connect();
  } catch (error) {
    const reason = (error as Error).message;

    process.stderr.write(
      `cannot reach PostgreSQL at ${displayUrl(env.DATABASE_URL)} (${reason})\n`,
    );

    return 2;
  }

  try {
    const result = await verifyTenantChain(
      async (sql, params) => (await client.query(sql, params)).rows,
      tenantId,
    );

    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (result.firstBroken) {
      const { chainIndex, eventId, reason } = result.firstBroken;

      process.stderr.write(
        `audit chain of ${tenantId} is broken at row ${chainIndex} ` +
          `(event ${eventId ?? 'missing'}): ${reason}\n`,
      );
    }

    return result.intact ? 0 : 1;
  } finally {
    await client.end();
  }
}

// Undefined table or column: the database has not had the audit migrations yet.
const SCHEMA_BEHIND = new Set(['42P01', '42703']);

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const hint = SCHEMA_BEHIND.has((error as { code?: string }).code ?? '')
      ? ' (the audit schema is behind: run npm run migrate)'
      : '';

    process.stderr.write(`audit:verify failed: ${(error as Error).message}${hint}\n`);
    process.exit(2);
  },
);
