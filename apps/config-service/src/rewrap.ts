import 'reflect-metadata';

import { configEnvironmentSchema } from '@liya/environment';
import { connectNats, natsSettingsFrom, RpcClient } from '@liya/messaging';
import { initializeDatabase } from '@liya/persistence';
import { parseEnvironment, scrubSecrets } from '@liya/runtime';

import { createConfigDataSource } from './database/data-source';
import { REWRAP_USAGE, parseRewrapArguments } from './rewrap/rewrap-arguments';
import { type RewrapReport, RewrapJob } from './rewrap/rewrap-job';
import { RewrapStore } from './rewrap/rewrap-store';

/**
 * `npm run rewrap`: re-wraps every stored provider key to crypto-service's active master-key
 * version, while the services keep running (see docs/key-rotation.md). Runs as config-service,
 * with its database and NATS credentials. Exit code 0 when nothing is left to do or the run
 * stopped where asked; 1 when a ciphertext could not be rewrapped or the run could not go on.
 */
function say(line: string): void {
  process.stdout.write(`config-service rewrap: ${line}\n`);
}

function summarise(report: RewrapReport, dryRun: boolean): number {
  const versions = Object.entries(report.byKeyVersion);
  const elsewhere = versions.filter(([version]) => version !== report.activeVersion);
  const remaining = elsewhere.reduce((sum, [, count]) => sum + count, 0);

  if (!dryRun) {
    say(
      `${report.rewrapped} rewrapped, ${report.changedMeanwhile} changed meanwhile (kept), ` +
        `${report.failed.length} failed, in ${report.batches} batch(es)`,
    );
  }
  say(`ciphertexts by key version: ${versions.map(([v, n]) => `${v}=${n}`).join(', ') || 'none'}`);

  if (report.failed.length > 0) {
    say(`${report.failed.length} ciphertext(s) could not be rewrapped; see the lines above`);

    return 1;
  }
  if (remaining === 0) {
    say(`done: every ciphertext is under version ${report.activeVersion}`);

    return 0;
  }
  if (dryRun || report.stoppedEarly) {
    say(`${remaining} ciphertext(s) left under older versions; run again to continue`);

    return 0;
  }

  say(`${remaining} ciphertext(s) still under older versions; run again`);

  return 1;
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseRewrapArguments(process.argv.slice(2));
  } catch (error) {
    say(`${(error as Error).message}\n${REWRAP_USAGE}`);

    return 2;
  }

  const env = parseEnvironment(configEnvironmentSchema);
  const dataSource = createConfigDataSource(env.DATABASE_URL);

  await initializeDatabase(dataSource, env.DATABASE_URL);

  const connection = await connectNats({ ...natsSettingsFrom(env), service: 'config-service' });
  const job = new RewrapJob(
    new RewrapStore(dataSource),
    new RpcClient(connection, 10_000),
    (subject, body) => connection.publish(subject, body),
    say,
  );
  const stop = () => {
    say('stopping after the batch in hand');
    job.requestStop();
  };

  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  try {
    return summarise(await job.run(options), options.dryRun === true);
  } finally {
    await connection.drain().catch(() => undefined);
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`failed: ${scrubSecrets(error instanceof Error ? error.message : String(error))}`);
    process.exit(1);
  },
);
