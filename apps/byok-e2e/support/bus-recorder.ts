import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface BusMessage {
  subject: string;
  reply?: string;
  data: string;
}

/**
 * A subscriber to every subject on a test's private NATS server, replies included, so a test can
 * search all that crossed the bus.
 */
export async function recordBus(natsUrl: string) {
  const connection: NatsConnection = await connect({ servers: natsUrl, name: 'bus-recorder' });
  const messages: BusMessage[] = [];

  connection.subscribe('>', {
    callback: (error, message) => {
      if (error) return;

      messages.push({ subject: message.subject, reply: message.reply, data: message.string() });
    },
  });
  await connection.flush();

  return {
    messages,
    connection,
    close: () => connection.drain(),
  };
}

/**
 * Messages that carry a plaintext key by design: a configuration update (the gateway hands the
 * validated PATCH to config-service; it holds no key of its own to encrypt with), an encrypt
 * request (config-service to crypto-service) and the reply to a decrypt request (crypto-service
 * to the router). Nothing else on the bus may.
 */
export function plaintextByDesign(all: BusMessage[]): (message: BusMessage) => boolean {
  const decryptReplySubjects = new Set(
    all
      .filter((message) => /^crypto\.decrypt(\.|$)/.test(message.subject) && message.reply)
      .map((message) => message.reply),
  );

  return (message) =>
    message.subject === 'config.update' ||
    /^crypto\.encrypt(\.|$)/.test(message.subject) ||
    decryptReplySubjects.has(message.subject);
}
