import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { type Channel, connect as amqpConnect } from 'amqplib';
import { afterAll, beforeAll, describe, it, onTestFailed } from 'vitest';
import { busNames } from '../src/app/platform.module';
import { available, BACKEND_URLS } from './support/backends';
import { freshDatabase } from './support/db';
import { defineJourneys, type JourneyTarget } from './support/http-journeys';
import { ADMIN, ensureBuilt, type Instance, killAll, login, output, startApp } from './support/processes';

/**
 * The HTTP journeys (test/support/http-journeys.ts) against the built monolith as a real process, its messages
 * carried by RabbitMQ in a namespace of this run's own, on a fresh database. The journeys see only the base URL:
 * the same ones run against any deployment.
 *
 * `npm test` builds first; run alone, this file builds dist itself when it is missing or older than a source file.
 */

/** Low, so that `tok_slow` (answered 1 s after the timeout) ends its checkout in about a second. */
const PAYMENT_PROVIDER_TIMEOUT_MS = 500;
const CARRIER_WEBHOOK_SECRET = `journeys-carrier-${randomUUID()}`;
const STOP_DEADLINE_MS = 15_000;

/** Runs `work` on a RabbitMQ connection of its own, closed afterwards. */
const withAmqp = async <T>(work: (channel: Channel) => Promise<T>): Promise<T> => {
  const connection = await amqpConnect(BACKEND_URLS.rabbitmq);
  try {
    return await work(await connection.createChannel());
  } finally {
    await connection.close();
  }
};

/** Stops the app as its supervisor would (SIGTERM), and kills it if it has not exited in time. */
const stop = async (instance: Instance | undefined) => {
  if (instance && instance.child.exitCode === null && instance.child.signalCode === null) {
    instance.child.kill('SIGTERM');
    await Promise.race([instance.exited, new Promise((resolve) => setTimeout(resolve, STOP_DEADLINE_MS))]);
  }
  await killAll();
};

/**
 * Deletes the run's queues and exchange from RabbitMQ. A queue's name is only known to the process that declared it,
 * so they are listed with rabbitmqctl where the broker runs on this machine; elsewhere only the exchange goes.
 */
const deleteBusNamespace = async (namespace: string) => {
  const queues = await promisify(execFile)('rabbitmqctl', ['list_queues', 'name', '--quiet', '--no-table-headers'], { timeout: 30_000 })
    .then(({ stdout }) => stdout.split('\n').filter((name) => name.startsWith(`${namespace}.`)))
    .catch(() => [] as string[]);
  await withAmqp(async (channel) => {
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.deleteExchange(busNames(namespace).rabbitmq.exchange);
  });
};

/** With CI=true a missing RabbitMQ fails the run (global setup) instead of skipping the suite. */
const runs = available('rabbitmq') || process.env.CI === 'true';

describe('journeys against the monolith process over RabbitMQ (e2e)', () => {
  if (!runs) {
    it.skipIf(true)('needs rabbitmq (server not reachable)', () => undefined);
    return;
  }
  const namespace = `e2e-journeys-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let instance: Instance | undefined;
  let target: JourneyTarget | undefined;

  beforeAll(async () => {
    ensureBuilt();
    database = await freshDatabase();
    // an empty database: the app migrates it itself
    instance = await startApp(database.url, {
      MESSAGE_BUS: 'rabbitmq',
      AMQP_URL: BACKEND_URLS.rabbitmq,
      BUS_NAMESPACE: namespace,
      PAYMENT_PROVIDER_TIMEOUT_MS: String(PAYMENT_PROVIDER_TIMEOUT_MS),
      CARRIER_WEBHOOK_SECRET,
    });
    // the journeys cannot tell the bus apart: make sure the messages do go through the broker, in this run's namespace
    await withAmqp((channel) => channel.checkExchange(busNames(namespace).rabbitmq.exchange));
    target = {
      baseUrl: new URL(instance.base).origin,
      adminToken: await login(instance, ADMIN.email, ADMIN.password),
      carrierWebhookSecret: CARRIER_WEBHOOK_SECRET,
      paymentProviderTimeoutMs: PAYMENT_PROVIDER_TIMEOUT_MS,
    };
  }, 300_000);

  afterAll(async () => {
    try {
      await stop(instance);
      await deleteBusNamespace(namespace);
    } finally {
      await database?.drop();
    }
  }, 60_000);

  defineJourneys(() => {
    onTestFailed(() => console.error(`app output:\n${output.slice(-60).join('\n')}`));
    if (!target) throw new Error('the monolith did not start (see beforeAll)');
    return target;
  });
});
