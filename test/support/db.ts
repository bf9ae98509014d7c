import { Client } from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { Migration } from '../../src/platform/persistence/database';
import { runMigrations } from '../../src/platform/persistence/migrations';
import { PgDatabase } from '../../src/platform/persistence/pg.database';
import { available } from './backends';
import { BACKEND_URLS } from './backends';

export type TestServer = { name: 'embedded' | 'local'; adminUrl: string };

/** The PostgreSQL servers this run tests against: the embedded one always, the local one on 5432 when reachable. */
export const testServers = (): TestServer[] => {
  const servers: TestServer[] = [{ name: 'embedded', adminUrl: process.env.ORDERLY_TEST_EMBEDDED_URL! }];
  if (available('postgres-local')) servers.push({ name: 'local', adminUrl: BACKEND_URLS['postgres-local'] });
  return servers;
};

/** Creates an empty database for one test file and returns its URL and a function dropping it. */
export const freshDatabase = async (server: TestServer = testServers()[0]): Promise<{ url: string; drop: () => Promise<void> }> => {
  const name = `orderly_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: server.adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
};

/**
 * A migrated database of its own for a suite: created and migrated before its tests, closed and dropped after them.
 * Read `.db` in tests and in later hooks.
 */
export const migratedDatabase = (server: TestServer, migrations: readonly Migration[], { poolSize = 10 } = {}) => {
  const suite = {} as { db: PgDatabase; url: string };
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const fresh = await freshDatabase(server);
    drop = fresh.drop;
    suite.url = fresh.url;
    suite.db = new PgDatabase(fresh.url, { max: poolSize });
    await runMigrations(suite.db, migrations);
  });
  afterAll(async () => {
    await suite.db?.close();
    await drop?.();
  });
  return suite;
};
