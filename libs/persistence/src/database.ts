import { Client } from 'pg';
import type { DataSource } from 'typeorm';

import { displayUrl } from '@liya/runtime';

/** Opens the pool; a database that cannot be reached is reported in one line naming the URL. */
export async function initializeDatabase(dataSource: DataSource, url: string): Promise<void> {
  try {
    await dataSource.initialize();
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown error';

    throw new Error(`cannot reach PostgreSQL at ${displayUrl(url)} (${reason})`);
  }
}

/** The readiness check of a service that owns tables. */
export async function pingDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query('SELECT 1');
}

/**
 * Creates the database named in the URL when it does not exist yet, so a fresh machine can run
 * the migrations without a manual step. Connects to the server's `postgres` database to do so.
 */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,63}$/.test(database)) {
    throw new Error('the database name in DATABASE_URL must be letters, digits and _');
  }

  const maintenance = new URL(url);

  maintenance.pathname = '/postgres';
  const client = new Client({
    connectionString: maintenance.toString(),
    connectionTimeoutMillis: 5000,
  });

  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown error';

    throw new Error(`cannot reach PostgreSQL at ${displayUrl(url)} (${reason})`);
  }

  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } catch (error) {
    // Two processes creating the database at once: the loser sees a duplicate; that is fine.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}

/** Applies pending migrations, creating the database first when needed. */
export async function runMigrations(dataSource: DataSource, url: string): Promise<string[]> {
  await ensureDatabaseExists(url);
  await initializeDatabase(dataSource, url);

  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });

    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
