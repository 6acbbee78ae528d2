import { connect } from '@nats-io/transport-node';

import { benchCipher } from './crypto-bench-cipher';

/**
 * The crypto benchmark's baselines, in a process of their own so they pay the same bus and
 * process hops as crypto-service: a bare echo responder (the bus's own limit), and a bare
 * responder that does a decrypt's AES-GCM work and nothing else (what the work itself costs).
 */
export const ECHO_SUBJECT = 'bench.echo';
export const BARE_DECRYPT_SUBJECT = 'bench.decrypt';

async function main(): Promise<void> {
  const connection = await connect({
    servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'bench-echo',
  });

  const cipher = benchCipher(
    Buffer.from(process.env.BENCH_SUBKEY ?? '', 'base64'),
    process.env.BENCH_AAD ?? '',
  );
  const encoder = new TextEncoder();

  connection.subscribe(ECHO_SUBJECT, {
    queue: 'bench-echo',
    callback: (error, message) => {
      if (!error) message.respond(message.data);
    },
  });
  connection.subscribe(BARE_DECRYPT_SUBJECT, {
    queue: 'bench-echo',
    callback: (error, message) => {
      if (error) return;

      const { ciphertext } = message.json<{ ciphertext: string }>();
      const reply = { ok: true, value: { plaintext: cipher.open(ciphertext) } };

      message.respond(encoder.encode(JSON.stringify(reply)));
    },
  });
  await connection.flush();
  process.stdout.write('ready\n');

  process.once('SIGTERM', () => {
    void connection.drain().finally(() => process.exit(0));
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`echo responder failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
