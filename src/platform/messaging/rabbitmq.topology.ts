import type { Channel, ConsumeMessage, Options } from 'amqplib';
import type { IntegrationMessage } from './message-bus';
import type { DeliveryPolicy } from './delivery-policy';
import { traceHeadersOf } from '../observability/tracing-consumers';

/** The three durable queues of one subscriber: where it consumes, the delay before a retry, and its dead letters. */
export const queuesOf = (queue: string): { main: string; retry: string; dlq: string } => ({
  main: queue,
  retry: `${queue}.retry`,
  dlq: `${queue}.dlq`,
});

/**
 * Declares a subscriber's queues and binds its queue to `types` on the exchange. Idempotent: it runs on every
 * (re)connection, with the same names and arguments, so a restarted broker or a new channel finds the same topology.
 * A rejected message dead-letters into `.retry`, whose TTL dead-letters it back to the queue.
 */
export const declareSubscriberQueues = async (
  channel: Channel,
  exchange: string,
  queue: string,
  types: readonly string[],
  policy: DeliveryPolicy,
): Promise<void> => {
  const { main, retry, dlq } = queuesOf(queue);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(main, { durable: true, deadLetterExchange: '', deadLetterRoutingKey: retry });
  await channel.assertQueue(retry, {
    durable: true,
    messageTtl: policy.retryDelayMs,
    deadLetterExchange: '',
    deadLetterRoutingKey: main,
  });
  await channel.assertQueue(dlq, { durable: true });
  for (const type of types) await channel.bindQueue(main, exchange, type);
};

/** Persistent JSON, with the message's id, type, correlation, time and trace context as AMQP properties. */
export const publishOptions = (m: IntegrationMessage): Options.Publish => ({
  persistent: true,
  contentType: 'application/json',
  messageId: m.id,
  type: m.type,
  correlationId: m.correlationId,
  timestamp: Math.floor(Date.parse(m.occurredAt) / 1000) || undefined,
  headers: traceHeadersOf(m),
});

/** The properties of a delivery kept on its copy in `.dlq`, with why and by whom it was parked. */
export const deadLetterOptions = (raw: ConsumeMessage, headers: Record<string, unknown>): Options.Publish => {
  const { messageId, type, correlationId, timestamp } = raw.properties as {
    messageId?: string;
    type?: string;
    correlationId?: string;
    timestamp?: number;
  };
  return { persistent: true, contentType: 'application/json', messageId, type, correlationId, timestamp, headers };
};

/** How many times this queue rejected the message before (RabbitMQ counts it in `x-death`). */
export const rejections = (raw: ConsumeMessage, queue: string): number => {
  const deaths: unknown = raw.properties.headers?.['x-death'];
  if (!Array.isArray(deaths)) return 0;
  const entry = deaths.find((d: { queue?: string; reason?: string }) => d.queue === queue && d.reason === 'rejected') as
    { count?: unknown } | undefined;
  return Number(entry?.count ?? 0);
};
