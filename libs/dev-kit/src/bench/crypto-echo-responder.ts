import { connect } from '@nats-io/transport-node';

/**
 * The crypto benchmark's baseline: a bare NATS responder that answers every request with its own
 * payload, in its own process, so it pays the same bus and process hops as crypto-service.
 */
export const ECHO_SUBJECT = 'bench.echo';

async function main(): Promise<void> {
  const connection = await connect({
    servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'bench-echo',
  });

  connection.subscribe(ECHO_SUBJECT, {
    queue: 'bench-echo',
    callback: (error, message) => {
      if (!error) message.respond(message.data);
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
