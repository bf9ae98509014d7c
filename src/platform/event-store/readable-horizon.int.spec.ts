import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { newId } from '../../shared-kernel/ids';
import type { Sql } from '../persistence/database';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { logSettled } from '../testing/settled-log';
import { type LogCheckpoint } from './event-store';
import { PostgresEventStore } from './postgres.event-store';
import { meta } from './event-store.fixtures';

/** Runs `work` in a transaction that stays open until the returned `finish` is called; resolves once `work` ran. */
const openTransaction = async (db: PgDatabase, work: (tx: Sql) => Promise<unknown>, options?: { appendsNoEvents?: boolean }) => {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const done = db.transaction(async (tx) => {
    await work(tx);
    ready();
    await finished;
  }, options);
  await Promise.race([started, done]);
  return { finish: () => (finish(), done) };
};

describe.each(testServers())('the readable end of the global log on $name', (server) => {
  let db: PgDatabase;
  let store: PostgresEventStore;

  const suite = migratedDatabase(server, platformCoreMigrations, { poolSize: 6 });
  beforeAll(() => {
    db = suite.db;
    store = new PostgresEventStore(db);
  });

  const newest = async (): Promise<LogCheckpoint> => {
    const { rows } = await db.query<{ t: string; p: string }>(
      'select transaction_id::text as t, global_position::text as p from es.events order by transaction_id desc, global_position desc limit 1',
      [],
    );
    return rows[0] ? { transactionId: rows[0].t, position: rows[0].p } : { transactionId: '0', position: '0' };
  };
  const readableTypes = async (after: LogCheckpoint) => (await store.readAll(after, 10_000)).events.map((e) => e.type);

  it('an open transaction that has written holds back what later transactions append', async () => {
    const before = await newest();
    const open = await openTransaction(db, (tx) => tx.query('select pg_current_xact_id()', []));
    const type = `Later${newId().slice(0, 8)}`;
    await store.append(`test.horizon-${newId()}`, [{ type, data: {} }], { expectedVersion: 'no_stream', meta: meta() });
    expect(await readableTypes(before)).not.toContain(type);
    await open.finish();
    await logSettled(db);
    expect(await readableTypes(before)).toContain(type);
  });

  it('one that promised to append no events does not, however long it runs', async () => {
    const before = await newest();
    const open = await openTransaction(
      db,
      async (tx) => {
        await tx.query('create temporary table scratch (n int) on commit drop', []);
        await tx.query('insert into scratch values (1)', []);
      },
      { appendsNoEvents: true },
    );
    const type = `Later${newId().slice(0, 8)}`;
    await store.append(`test.horizon-${newId()}`, [{ type, data: {} }], { expectedVersion: 'no_stream', meta: meta() });
    // other transactions on the server may still hold the log back for a moment, never this one
    await logSettled(db);
    expect(await readableTypes(before)).toContain(type);
    await open.finish();
  });

  it('refuses an append in a transaction that promised to append no events, and appends nothing', async () => {
    const stream = `test.horizon-${newId()}`;
    await expect(
      db.transaction((tx) => store.append(stream, [{ type: 'Refused', data: {} }], { expectedVersion: 'no_stream', meta: meta(), tx }), {
        appendsNoEvents: true,
      }),
    ).rejects.toThrow(/promised to append no events/);
    expect(await store.readStream(stream)).toEqual([]);
  });

  it('names such a transaction with its own transaction id while it runs, and only while it runs', async () => {
    const { name, xid } = await db.transaction(
      async (tx) => {
        const { rows } = await tx.query<{ name: string; xid: string }>(
          "select current_setting('application_name') as name, pg_current_xact_id()::text as xid",
          [],
        );
        return rows[0];
      },
      { appendsNoEvents: true },
    );
    expect(name).toBe(`orderly-no-events:${xid}`);
    const after = await db.transaction(
      async (tx) => (await tx.query<{ name: string }>("select current_setting('application_name') as name", [])).rows[0].name,
    );
    expect(after).not.toContain('orderly-no-events');
  });
});
