import { connect as amqpConnect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/invariants';
import { privateRabbitMq, rabbitMqInstalled, type PrivateRabbitMq } from '../../../test/support/private-rabbitmq';
import type { BusLogger } from './delivery-policy';
import type { IntegrationMessage } from './message-bus';
import { isOutage } from '../outage';
import { RabbitMqMessageBus } from './rabbitmq.message-bus';

const quiet: BusLogger = { warn: () => undefined, error: () => undefined };
const options = { logger: quiet, reconnectDelayMs: 200, retryDelayMs: 100 };
const TYPE = 'reconnect.probe.v1';
let sequence = 0;
const message = (): IntegrationMessage => ({
  id: `reconnect-${++sequence}`,
  type: TYPE,
  occurredAt: new Date().toISOString(),
  correlationId: 'c',
  data: { sequence },
});

describe.skipIf(!rabbitMqInstalled && process.env.CI !== 'true')('RabbitMqMessageBus across a restart of its broker', () => {
  let broker: PrivateRabbitMq | undefined;
  let publisher: RabbitMqMessageBus | undefined;
  let consumer: RabbitMqMessageBus | undefined;
  const received: string[] = [];

  beforeAll(async () => {
    broker = await privateRabbitMq();
    await broker.start();
    publisher = await RabbitMqMessageBus.connect(broker.url, options);
    consumer = await RabbitMqMessageBus.connect(broker.url, options);
    await consumer.subscribe('reconnect-probe', [TYPE], async (m) => void received.push(m.id));
  }, 90_000);
  afterAll(async () => {
    if (broker && !broker.running()) await broker.start().catch(() => undefined);
    await publisher?.close();
    await consumer?.close();
    await broker?.dispose();
  }, 90_000);

  it('publishes and consumes, fails fast while the broker is away, and carries on once it is back', async () => {
    const before = message();
    await publisher!.publish([before]);
    await until('the first message to arrive', () => received.includes(before.id), 10_000);
    expect(publisher!.isConnected()).toBe(true);

    // confirmed (so stored durably) while the consumer is not taking messages: it waits in the queue across the restart
    await consumer!.close();
    const stored = message();
    await publisher!.publish([stored]);
    consumer = await RabbitMqMessageBus.connect(broker!.url, options);
    await broker!.stop();

    await until('the buses to see the broker gone', () => !publisher!.isConnected() && !consumer!.isConnected(), 10_000);
    expect(publisher!.hasFailed()).toBe(false);
    const started = Date.now();
    const refused = await publisher!.publish([message()]).catch((error: unknown) => error);
    expect(isOutage(refused)).toBe(true);
    expect(Date.now() - started).toBeLessThan(500);
    await expect(consumer!.subscribe('reconnect-probe', [TYPE], async () => undefined)).rejects.toSatisfy(isOutage);

    await broker!.start();
    await until('the buses to reconnect', () => publisher!.isConnected() && consumer!.isConnected(), 20_000);
    expect(publisher!.hasFailed()).toBe(false);
    await consumer!.subscribe('reconnect-probe', [TYPE], async (m) => void received.push(m.id));
    await until('the message stored before the stop to arrive', () => received.includes(stored.id), 10_000);

    const after = message();
    await publisher!.publish([after]);
    await until('a message published after the restart to arrive', () => received.includes(after.id), 10_000);
  }, 120_000);

  it('keeps consuming on a subscription made before the broker went away', async () => {
    const ids: string[] = [];
    const subscriber = await RabbitMqMessageBus.connect(broker!.url, options);
    try {
      await subscriber.subscribe('resubscribed-probe', [TYPE], async (m) => void ids.push(m.id));
      await broker!.stop();
      await broker!.start();
      await until('the publisher to reconnect', () => publisher!.isConnected() && subscriber.isConnected(), 20_000);
      const after = message();
      await publisher!.publish([after]);
      await until('the resubscribed consumer to receive it', () => ids.includes(after.id), 10_000);
    } finally {
      await subscriber.close();
    }
  }, 120_000);
  it('opens a new connection when the broker closes its publisher channel (the exchange was deleted)', async () => {
    const admin = await amqpConnect(broker!.url);
    try {
      await (await admin.createChannel()).deleteExchange('orderly.events');
    } finally {
      await admin.close();
    }
    const refused = await publisher!.publish([message()]).catch((error: unknown) => error);
    expect(isOutage(refused)).toBe(true);
    // the new connection's setup declares the exchange again
    await until(
      'publishing to work again',
      () =>
        publisher!.publish([message()]).then(
          () => true,
          () => false,
        ),
      10_000,
      100,
    );
    expect(publisher!.isConnected()).toBe(true);
  }, 60_000);
});
