import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusLogger } from '../src/platform/messaging/delivery-policy';
import { NatsMessageBus } from '../src/platform/messaging/nats.message-bus';
import { type RunningPostgres, startEmbeddedPostgres } from '../src/platform/persistence/embedded-postgres';
import { SystemClock } from '../src/shared-kernel/clock';
import { bootTestApp, type TestApp } from './support/app';
import { isReachable } from './support/backends';
import { until } from './support/invariants';
import { freePort } from './support/processes';

/**
 * `GET /health/ready` follows its dependencies through real faults: a PostgreSQL and a NATS server of the test's own
 * (never the machine's shared ones) are stopped and started again, and readiness turns 503 while they are away and
 * 200 once they are back; liveness stays 200 throughout (restarting the process would fix neither). A NATS bus that
 * gives up reconnecting is another matter: only a restart connects it again, so liveness answers 503. Without the
 * nats-server program the broker cases are skipped, unless CI=true, where they must run.
 */

type Probe = { status: number; body: { status: string; checks?: Record<string, string> } };
const quiet: BusLogger = { warn: () => undefined, error: () => undefined };

const probe = async (t: TestApp, path = '/health/ready'): Promise<Probe> => {
  const res = await t.inject('GET', path);
  return { status: res.statusCode, body: res.json() };
};

/** Probes until readiness answers `status`; bounded (reconnecting takes the drivers a few seconds). */
const readinessBecomes = (t: TestApp, status: 200 | 503, what: string) =>
  until(
    what,
    async () => {
      const answer = await probe(t);
      return answer.status === status && answer;
    },
    45_000,
    100,
  );

describe('readiness while a PostgreSQL of its own goes away and comes back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-readiness-pg-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  let port: number;
  let cluster: RunningPostgres | undefined;
  let t: TestApp | undefined;

  const startCluster = async () => {
    cluster = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port });
    return cluster;
  };

  beforeAll(async () => {
    port = await freePort();
    t = await bootTestApp({ databaseUrl: (await startCluster()).url, clock: new SystemClock(), background: true });
  });
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ready, then 503 with the database down while it is stopped, then ready again once it is back', async () => {
    await readinessBecomes(t!, 200, 'the app to be ready');

    await cluster!.stop();
    const away = await readinessBecomes(t!, 503, 'readiness to see the database gone');
    expect(away.body).toMatchObject({ status: 'unavailable', checks: { database: 'down', broker: 'ok', scheduler: 'ok' } });
    expect((await probe(t!, '/health/live')).status).toBe(200);

    await startCluster();
    expect((await readinessBecomes(t!, 200, 'readiness to see the database back')).body).toEqual({ status: 'ok' });
  });
});

const natsInstalled = spawnSync('nats-server', ['--version']).status === 0;
const needsNats = !natsInstalled && process.env.CI !== 'true';

/** A nats-server of the test's own on a free port, started again on the same port and store each time. */
const privateNats = async (dir: string) => {
  const port = await freePort();
  let server: ChildProcess | undefined;
  const running = () => !!server && server.exitCode === null && server.signalCode === null;
  return {
    url: `nats://127.0.0.1:${port}`,
    running,
    /** on the same port and store each time, so the app's connection finds it again and its streams too */
    start: async () => {
      const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
      server = child;
      await until('the NATS server to listen', async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
        return isReachable(`nats://127.0.0.1:${port}`, 200);
      });
    },
    kill: async () => {
      const child = server;
      if (!child || !running()) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
};

describe.skipIf(needsNats)('readiness while a NATS server of its own goes away and comes back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-readiness-nats-'));
  let nats: Awaited<ReturnType<typeof privateNats>> | undefined;
  let t: TestApp | undefined;

  beforeAll(async () => {
    nats = await privateNats(dir);
    await nats.start();
    t = await bootTestApp({
      env: { NATS_URL: nats.url, MESSAGE_BUS: 'nats' },
      clock: new SystemClock(),
      background: true,
    });
  });
  afterAll(async () => {
    // the bus drains its connection on close: with the server there, that ends at once
    if (nats && !nats.running()) await nats.start().catch(() => undefined);
    await t?.close();
    await nats?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ready, then 503 with the broker down while it is killed, then ready again once it is back', async () => {
    await readinessBecomes(t!, 200, 'the app to be ready');

    await nats!.kill();
    const away = await readinessBecomes(t!, 503, 'readiness to see the broker gone');
    expect(away.body).toEqual({ status: 'unavailable', checks: { database: 'ok', broker: 'down', consumers: 'ok', scheduler: 'ok' } });
    expect((await probe(t!, '/health/live')).status).toBe(200);

    await nats!.start();
    expect((await readinessBecomes(t!, 200, 'readiness to see the broker back')).body).toEqual({ status: 'ok' });
  });
});

describe.skipIf(needsNats)('liveness once the NATS bus has given up reconnecting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-liveness-nats-'));
  let nats: Awaited<ReturnType<typeof privateNats>> | undefined;
  let bus: NatsMessageBus | undefined;
  let t: TestApp | undefined;

  beforeAll(async () => {
    nats = await privateNats(dir);
    await nats.start();
    // one reconnect attempt 100 ms after the loss (production: forever, 1 s apart), so it gives up at once
    bus = await NatsMessageBus.connect(nats.url, { reconnect: { maxAttempts: 1, waitMs: 100 }, logger: quiet });
    t = await bootTestApp({ bus, clock: new SystemClock(), background: true });
  });
  afterAll(async () => {
    await t?.close();
    await bus?.close();
    await nats?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is alive while the bus is connected, then 503 naming nothing internal once it gave up: only a restart helps', async () => {
    await readinessBecomes(t!, 200, 'the app to be ready');
    expect(await probe(t!, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });

    await nats!.kill();
    const failed = await until(
      'liveness to see the bus give up',
      async () => {
        const answer = await probe(t!, '/health/live');
        return answer.status === 503 && answer;
      },
      45_000,
      100,
    );
    expect(failed.body).toEqual({ status: 'failed' });
    expect(bus!.hasFailed()).toBe(true);
    // readiness says the same as before: the broker is down
    expect(await probe(t!)).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { database: 'ok', broker: 'down', consumers: 'ok', scheduler: 'ok' } },
    });
  });
});
