import { connect as amqpConnect } from 'amqplib';
import { connect as natsConnect } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { createServer, connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { available, BACKEND_URLS, type Backend } from '../../../test/support/backends';
import type { BusLogger } from './delivery-policy';
import { InProcessMessageBus } from './in-process.message-bus';
import { eventually, messageBusContract } from './message-bus.contract';
import type { IntegrationMessage, MessageBus } from './message-bus';
import { NatsMessageBus } from './nats.message-bus';
import { RabbitMqMessageBus } from './rabbitmq.message-bus';
import { isOutage } from '../outage';

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const quiet: BusLogger = { warn: () => undefined, error: () => undefined };
const maxDeliveries = 3;

/** With CI=true a missing server fails the run (global setup) instead of skipping its suite. */
const runs = (backend: Backend) => available(backend) || process.env.CI === 'true';
const contractFor = (backend: Backend, name: string, define: () => void) => {
  if (runs(backend)) define();
  else describe.skipIf(true)(`MessageBus contract: ${name} (server not reachable)`, () => it('needs the server', () => undefined));
};

const deleteStreams = async (names: string[]) => {
  const nc = await natsConnect({ servers: BACKEND_URLS.nats });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of names) {
      await jsm.streams.delete(name).catch((error: unknown) => {
        if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      });
    }
  } finally {
    await nc.close();
  }
};

messageBusContract('in-process', async () => ({
  maxDeliveries,
  open: async (observer) => new InProcessMessageBus({ maxDeliveries, retryDelayMs: 10, logger: quiet, observer }),
  cleanup: async () => undefined,
}));

contractFor('rabbitmq', 'rabbitmq', () =>
  messageBusContract('rabbitmq', async () => {
    const url = BACKEND_URLS.rabbitmq;
    const exchange = `orderly.test-${run}`;
    const parked = new Map<string, string[]>();
    return {
      maxDeliveries,
      open: (observer) =>
        RabbitMqMessageBus.connect(url, { exchange, maxDeliveries, retryDelayMs: 100, prefetch: 32, logger: quiet, observer }),
      deadLetters: async (subscriber) => {
        const connection = await amqpConnect(url);
        try {
          const channel = await connection.createChannel();
          const ids = parked.get(subscriber) ?? [];
          for (
            let got = await channel.get(`${subscriber}.dlq`, { noAck: true });
            got;
            got = await channel.get(`${subscriber}.dlq`, { noAck: true })
          ) {
            ids.push(String(got.properties.messageId));
          }
          parked.set(subscriber, ids);
          return ids;
        } finally {
          await connection.close();
        }
      },
      cleanup: async (subscribers) => {
        const connection = await amqpConnect(url);
        const channel = await connection.createChannel();
        for (const queue of subscribers.flatMap((s) => [s, `${s}.retry`, `${s}.dlq`])) await channel.deleteQueue(queue);
        await channel.deleteExchange(exchange);
        await connection.close();
      },
    };
  }),
);

contractFor('nats', 'nats', () =>
  messageBusContract('nats', async () => {
    const url = BACKEND_URLS.nats;
    const stream = `ORDERLY_TEST_${run}`;
    const options = {
      stream,
      subjectPrefix: `orderly-test-${run}`,
      maxDeliveries,
      retryDelayMs: 100,
      ackWaitMs: 5_000,
      prefetch: 32,
      logger: quiet,
    };
    return {
      maxDeliveries,
      open: (observer) => NatsMessageBus.connect(url, { ...options, observer }),
      deadLetters: async (subscriber) => {
        const nc = await natsConnect({ servers: url });
        try {
          const jsm = await jetstreamManager(nc);
          const { state } = await jsm.streams.info(`${stream}_DLQ`);
          const ids: string[] = [];
          for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
            const stored = await jsm.streams.getMessage(`${stream}_DLQ`, { seq });
            if (stored?.header.get('Orderly-Subscriber') === subscriber) ids.push(stored.json<{ id: string }>().id);
          }
          return ids;
        } finally {
          await nc.close();
        }
      },
      cleanup: () => deleteStreams([stream, `${stream}_DLQ`]),
    };
  }),
);

/** A TCP proxy in front of a broker; `cut()` destroys every open connection and refuses new ones. */
const cuttableProxy = async (target: string) => {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let cut = false;
  const server = createServer((client) => {
    if (cut) return void client.destroy();
    const server = tcpConnect(Number(upstream.port), upstream.hostname);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(server).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    cut: () => {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const probe = (type: string): IntegrationMessage => ({
  id: `${run}-probe-${Math.random()}`,
  type,
  occurredAt: new Date().toISOString(),
  correlationId: 'c',
  data: {},
});

/**
 * Connects a bus through a proxy, cuts the proxy (refusing every reconnection), and checks that the loss is logged,
 * publish rejects and the bus reports it has failed for good (liveness restarts the process on it).
 */
const losesConnection = async (
  url: string,
  open: (url: string, logger: BusLogger) => Promise<MessageBus>,
  cleanup: () => Promise<void>,
) => {
  const proxy = await cuttableProxy(url);
  const logged: string[] = [];
  const logger: BusLogger = { warn: (msg) => void logged.push(msg), error: (msg) => void logged.push(msg) };
  const bus = await open(proxy.url, logger);
  try {
    await bus.publish([probe('connection.probe.v1')]);
    expect(bus.hasFailed()).toBe(false);
    proxy.cut();
    await eventually(() => expect(logged.length).toBeGreaterThan(0));
    await eventually(() => expect(bus.hasFailed()).toBe(true));
    expect(bus.isConnected()).toBe(false);
    await expect(bus.publish([probe('connection.probe.v1')])).rejects.toThrow();
  } finally {
    await bus.close();
    await proxy.close();
    await cleanup();
  }
};

describe.runIf(runs('rabbitmq'))('RabbitMqMessageBus on a lost connection', () => {
  it('logs the loss, rejects publish with an outage and keeps reconnecting (it has not failed)', async () => {
    const exchange = `orderly.test-${run}-lost`;
    const proxy = await cuttableProxy(BACKEND_URLS.rabbitmq);
    const logged: string[] = [];
    const logger: BusLogger = { warn: (msg) => void logged.push(msg), error: (msg) => void logged.push(msg) };
    const bus = await RabbitMqMessageBus.connect(proxy.url, { exchange, logger, reconnectDelayMs: 100 });
    try {
      await bus.publish([probe('connection.probe.v1')]);
      proxy.cut();
      await eventually(() => expect(logged).toContain('rabbitmq connection lost; reconnecting'));
      expect(bus.isConnected()).toBe(false);
      expect(bus.hasFailed()).toBe(false);
      const refused = await bus.publish([probe('connection.probe.v1')]).catch((error: unknown) => error);
      expect(isOutage(refused)).toBe(true);
    } finally {
      await bus.close();
      await proxy.close();
      const connection = await amqpConnect(BACKEND_URLS.rabbitmq);
      await (await connection.createChannel()).deleteExchange(exchange);
      await connection.close();
    }
  });
});

describe.runIf(runs('nats'))('NatsMessageBus on a lost connection', () => {
  it('logs the loss, rejects publish and has failed once its reconnect attempts are spent', async () => {
    const stream = `ORDERLY_TEST_${run}_LOST`;
    const reconnect = { maxAttempts: 2, waitMs: 50 };
    await losesConnection(
      BACKEND_URLS.nats,
      (url, logger) => NatsMessageBus.connect(url, { stream, subjectPrefix: `orderly-test-${run}-lost`, reconnect, logger }),
      () => deleteStreams([stream, `${stream}_DLQ`]),
    );
  });
});
