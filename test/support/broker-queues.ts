import { connect as amqpConnect } from 'amqplib';
import { busNames } from '../../src/app/platform.module';
import { consumerName } from '../../src/platform/messaging/nats.jetstream';
import { BACKEND_URLS } from './backends';
import type { Broker } from './services-topology';

/**
 * What the broker of a services topology holds for its subscribers, in the run's namespace: messages waiting for a
 * subscriber that is down, and messages parked after their last delivery failed.
 */

/** The subscribers of the checkout's path and of what follows it (the cart, the catalog's stock copy). */
const SUBSCRIBERS = [
  'inventory.commands',
  'inventory.order-events',
  'payment.commands',
  'ordering.checkout',
  'cart.checkout',
  'catalog.availability',
];

const withNats = async <T>(work: (jsm: import('@nats-io/jetstream').JetStreamManager) => Promise<T>): Promise<T> => {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: BACKEND_URLS.nats });
  try {
    return await work(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
};

const withRabbitMq = async <T>(work: (connection: Awaited<ReturnType<typeof amqpConnect>>) => Promise<T>): Promise<T> => {
  const connection = await amqpConnect(BACKEND_URLS.rabbitmq);
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
};

/** How many messages of `type` wait in the broker for `subscriber` (RabbitMQ: its queue holds only its types). */
export const waitingMessages = async (broker: Broker, namespace: string, subscriber: string, type: string): Promise<number> => {
  const names = busNames(namespace);
  if (broker === 'nats')
    return withNats(async (jsm) => {
      const info = await jsm.consumers.info(names.nats.stream, consumerName(`${names.nats.consumerPrefix}${subscriber}`, type));
      return info.num_pending + info.num_ack_pending;
    });
  return withRabbitMq(async (connection) => {
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(`${names.rabbitmq.queuePrefix}${subscriber}`);
    await channel.close();
    return messageCount;
  });
};

/**
 * The messages the broker parked after their last delivery failed: one line per parking place that holds any
 * (RabbitMQ: a subscriber's `.dlq` queue; NATS: the `<stream>_DLQ` stream). A service that crashes mid-delivery must
 * get its messages again, never have them parked.
 */
export const brokerDeadLetters = async (broker: Broker, namespace: string): Promise<string[]> => {
  const names = busNames(namespace);
  if (broker === 'nats')
    return withNats(async (jsm) => {
      const info = await jsm.streams.info(`${names.nats.stream}_DLQ`);
      return info.state.messages > 0 ? [`${names.nats.stream}_DLQ holds ${info.state.messages} messages`] : [];
    });
  return withRabbitMq(async (connection) => {
    const parked: string[] = [];
    for (const subscriber of SUBSCRIBERS) {
      // a channel per queue: checking a queue that does not exist closes the channel
      const channel = await connection.createChannel();
      const queue = `${names.rabbitmq.queuePrefix}${subscriber}.dlq`;
      const { messageCount } = await channel.checkQueue(queue);
      if (messageCount > 0) parked.push(`${queue} holds ${messageCount} messages`);
      await channel.close();
    }
    return parked;
  });
};
