import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { available, BACKEND_URLS } from '../../test/support/backends';
import { until } from '../../test/support/invariants';
import { freePort } from '../../test/support/processes';
import { RedisCacheInvalidations, invalidationChannel } from './cache-invalidation.redis';
import { AppLogger } from './observability/logger';
import { closeRedis, connectRedis } from './redis';

/** With CI=true a missing server fails the run (global setup) instead of skipping the suite. */
const runs = available('redis') || process.env.CI === 'true';
const hasRedisServer = !spawnSync('redis-server', ['--version']).error;

const CHANNEL = 'catalog.reads';
const logger = AppLogger.create('silent');
/** A namespace of this test's own: parallel test files on the shared server never hear each other. */
const uniqueNamespace = () => `t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Instances of the app, each with its connection (as the platform opens it) and the invalidations on top of it. */
const opened: { publisher: Redis; invalidations: RedisCacheInvalidations }[] = [];
const instance = async (url: string, namespace: string) => {
  const publisher = await connectRedis(url, 10_000, logger);
  const invalidations = await RedisCacheInvalidations.open(publisher, { namespace, logger });
  opened.push({ publisher, invalidations });
  return invalidations;
};
const closeInstances = async () => {
  for (const { publisher, invalidations } of opened.splice(0)) {
    await invalidations.close();
    await closeRedis(publisher);
  }
};

/** Counts what a subscriber hears on CHANNEL. */
const listen = (invalidations: RedisCacheInvalidations) => {
  const heard = { count: 0, stop: () => undefined as void };
  heard.stop = invalidations.subscribe(CHANNEL, () => heard.count++);
  return heard;
};

const subscribersOf = async (admin: Redis, namespace: string): Promise<number> => {
  const [, count] = (await admin.pubsub('NUMSUB', invalidationChannel(namespace, CHANNEL))) as [string, number];
  return Number(count);
};

describe.skipIf(!runs)('cache invalidations over Redis (int)', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(BACKEND_URLS.redis);
  });
  afterEach(closeInstances);
  afterAll(() => admin.quit());

  it('reach the other instances of the namespace, never the sender nor another namespace', async () => {
    const namespace = uniqueNamespace();
    const elsewhere = uniqueNamespace();
    const [a, b, c] = [
      await instance(BACKEND_URLS.redis, namespace),
      await instance(BACKEND_URLS.redis, namespace),
      await instance(BACKEND_URLS.redis, namespace),
    ];
    const [other, otherSender] = [await instance(BACKEND_URLS.redis, elsewhere), await instance(BACKEND_URLS.redis, elsewhere)];
    const [byA, byB, byC, byOther] = [listen(a), listen(b), listen(c), listen(other)];
    await until(
      'the subscriptions',
      async () => (await subscribersOf(admin, namespace)) === 3 && (await subscribersOf(admin, elsewhere)) === 1,
    );

    a.publish(CHANNEL);
    await until("a's invalidation at b and c", () => byB.count > 0 && byC.count > 0);
    // published later on the same server: once it has arrived, a's would have arrived before it
    otherSender.publish(CHANNEL);
    await until("the other namespace's invalidation", () => byOther.count > 0);

    expect([byA, byB, byC, byOther].map((heard) => heard.count)).toEqual([0, 1, 1, 1]);
  });

  it('stop reaching a listener that stopped, and leave the channel when no listener is left', async () => {
    const namespace = uniqueNamespace();
    const [a, b] = [await instance(BACKEND_URLS.redis, namespace), await instance(BACKEND_URLS.redis, namespace)];
    const first = listen(b);
    const second = listen(b);
    await until('the subscription', async () => (await subscribersOf(admin, namespace)) === 1);
    first.stop();
    a.publish(CHANNEL);
    await until('the invalidation', () => second.count > 0);
    expect(first.count).toBe(0);

    second.stop();
    await until('the channel left', async () => (await subscribersOf(admin, namespace)) === 0);
  });

  it('close their own connection and leave the channel', async () => {
    const namespace = uniqueNamespace();
    const a = await instance(BACKEND_URLS.redis, namespace);
    listen(a);
    await until('the subscription', async () => (await subscribersOf(admin, namespace)) === 1);
    await a.close();
    await until('the channel left', async () => (await subscribersOf(admin, namespace)) === 0);
    // the app's own connection is the platform's to close
    expect(opened[0].publisher.status).toBe('ready');
  });
});

describe.skipIf(!hasRedisServer)('cache invalidations when Redis stops and comes back (int)', () => {
  let server: ChildProcess | undefined;
  const startRedis = async (port: number) => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    await until(
      'the private Redis',
      () =>
        probe.connect().then(
          () => true,
          () => false,
        ),
      10_000,
      100,
    );
    probe.disconnect();
  };
  const stopRedis = async () => {
    const stopped = new Promise((resolve) => server?.once('exit', resolve));
    server?.kill('SIGKILL');
    await stopped;
    server = undefined;
  };
  afterEach(async () => {
    await closeInstances();
    if (server) await stopRedis();
  });

  it('are missed while it is down without making the publisher wait, and flow again once it is back', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const namespace = uniqueNamespace();
    await startRedis(port);
    const [a, b] = [await instance(url, namespace), await instance(url, namespace)];
    const byB = listen(b);
    const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    await until('the subscription', async () => (await subscribersOf(admin, namespace)) === 1);
    admin.disconnect();
    a.publish(CHANNEL);
    await until('the invalidation before the outage', () => byB.count === 1);

    await stopRedis();
    await until('the connections to notice', () => opened.every(({ publisher }) => publisher.status !== 'ready'), 10_000, 10);
    // nothing is sent and nothing fails: the others' time-to-live covers what they miss
    expect(() => a.publish(CHANNEL)).not.toThrow();
    // an instance that starts meanwhile subscribes once Redis is back
    const c = await instance(url, namespace);
    const byC = listen(c);

    await startRedis(port);
    // back: both are subscribed again, and told that they may have missed something
    await until('b and c resubscribed', () => byB.count === 2 && byC.count === 1, 15_000);
    const afterOutage = [byB.count, byC.count];
    await until("a's connection back", () => opened[0].publisher.status === 'ready', 15_000);
    a.publish(CHANNEL);
    await until('the invalidation after the outage', () => byB.count > afterOutage[0] && byC.count > afterOutage[1]);
  });
});
