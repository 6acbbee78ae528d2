import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';

import type { Output } from './leak-scanner';

/** Every row of every table the services own, as text, one output per table. */
export async function dumpDatabase(databaseUrl: string): Promise<Output[]> {
  const client = new Client({ connectionString: databaseUrl });

  await client.connect();

  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE'
         AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );

    const outputs: Output[] = [];
    for (const table of tables.rows) {
      const rows = await client.query<{ row: string }>(
        `SELECT t::text AS row FROM "${table.schema}"."${table.name}" t`,
      );

      outputs.push({
        kind: 'database',
        where: `${table.schema}.${table.name}`,
        text: rows.rows.map((row) => row.row).join('\n'),
      });
    }

    return outputs;
  } finally {
    await client.end();
  }
}

/** Every message still stored in every JetStream stream. */
export async function dumpStreams(connection: NatsConnection): Promise<Output[]> {
  const manager = await jetstreamManager(connection);
  const outputs: Output[] = [];

  for await (const stream of manager.streams.list()) {
    const { first_seq: first, last_seq: last } = stream.state;
    const texts: string[] = [];

    for (let seq = first; seq > 0 && seq <= last; seq += 1) {
      const message = await manager.streams
        .getMessage(stream.config.name, { seq })
        .catch(() => null);
      if (message) texts.push(`${message.subject} ${message.string()}`);
    }

    outputs.push({ kind: 'jetstream', where: stream.config.name, text: texts.join('\n') });
  }

  return outputs;
}
