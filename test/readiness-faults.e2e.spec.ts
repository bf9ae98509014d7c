import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPostgres, startEmbeddedPostgres } from '../src/platform/persistence/embedded-postgres';
import { SystemClock } from '../src/shared-kernel/clock';
import { bootTestApp, type TestApp } from './support/app';
import { isReachable } from './support/backends';
import { until } from './support/invariants';
import { freePort } from './support/processes';

/**
 * `GET /health/ready` follows its dependencies through real faults: a PostgreSQL and a NATS server of the test's own
 * (never the machine's shared ones) are stopped and started again, and readiness turns 503 while they are away and
 * 200 once they are back; liveness stays 200 throughout (restarting the process would fix neither). Without the
 * nats-server program the broker case is skipped, unless CI=true, where it must run.
 */

type Probe = { status: number; body: { status: string; checks?: Record<string, string> } };

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

describe.skipIf(!natsInstalled && process.env.CI !== 'true')('readiness while a NATS server of its own goes away and comes back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-readiness-nats-'));
  let port: number;
  let server: ChildProcess | undefined;
  let t: TestApp | undefined;

  /** The server on the same port and store each time, so the app's connection finds it again and its streams too. */
  const startNats = async () => {
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    server = child;
    await until('the NATS server to listen', async () => {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
      return isReachable(`nats://127.0.0.1:${port}`, 200);
    });
  };
  const killNats = async () => {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    port = await freePort();
    await startNats();
    t = await bootTestApp({
      env: { NATS_URL: `nats://127.0.0.1:${port}`, MESSAGE_BUS: 'nats' },
      clock: new SystemClock(),
      background: true,
    });
  });
  afterAll(async () => {
    // the bus drains its connection on close: with the server there, that ends at once
    if (server?.exitCode !== null) await startNats().catch(() => undefined);
    await t?.close();
    await killNats();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ready, then 503 with the broker down while it is killed, then ready again once it is back', async () => {
    await readinessBecomes(t!, 200, 'the app to be ready');

    await killNats();
    const away = await readinessBecomes(t!, 503, 'readiness to see the broker gone');
    expect(away.body).toEqual({ status: 'unavailable', checks: { database: 'ok', broker: 'down', consumers: 'ok', scheduler: 'ok' } });
    expect((await probe(t!, '/health/live')).status).toBe(200);

    await startNats();
    expect((await readinessBecomes(t!, 200, 'readiness to see the broker back')).body).toEqual({ status: 'ok' });
  });
});
