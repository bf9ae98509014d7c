import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testServers } from '../../../test/support/db';
import { Unavailable } from '../../shared-kernel/errors';
import { afterCommit, isAppliedOnce, markAppliedOnce, type Migration } from './database';
import { runMigrations } from './migrations';
import { PgDatabase } from './pg.database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PgDatabase without a server', () => {
  it('reports an unreachable server as Unavailable (HTTP 503)', async () => {
    const db = new PgDatabase('postgres://postgres@127.0.0.1:1/nothing', { max: 1 });
    await expect(db.query('select 1')).rejects.toMatchObject({ kind: 'unavailable', code: 'platform.database_unavailable' });
    await expect(db.transaction(async (tx) => tx.query('select 1'))).rejects.toBeInstanceOf(Unavailable);
    await db.close();
  });
});

describe.each(testServers())('PgDatabase and migrations on $name', (server) => {
  let url: string;
  let drop: () => Promise<void>;
  let db: PgDatabase;

  beforeAll(async () => {
    ({ url, drop } = await freshDatabase(server));
    db = new PgDatabase(url, { max: 2, applicationName: 'orderly-test' });
  });
  afterAll(async () => {
    await db.close();
    await drop();
  });

  it('returns bigint columns as strings', async () => {
    const { rows } = await db.query('select 9007199254740993::bigint as big, count(*) as n, 1::int as small from generate_series(1, 3)');
    expect(rows[0]).toEqual({ big: '9007199254740993', n: '3', small: 1 });
  });

  it('prepares a statement with parameters once per connection and reuses it; one without parameters runs unprepared', async () => {
    const prepared = await db.transaction(async (tx) => {
      for (const n of [1, 2, 3]) expect((await tx.query<{ n: number }>('select $1::int as n', [n])).rows).toEqual([{ n }]);
      await tx.query('select 41 as unprepared');
      return (
        await tx.query<{ statement: string }>(
          `select statement from pg_prepared_statements where statement in ('select $1::int as n', 'select 41 as unprepared')`,
          [],
        )
      ).rows.map(({ statement }) => statement);
    });
    expect(prepared).toEqual(['select $1::int as n']);
    // the pool's other connections prepare it on first use
    const results = await Promise.all([1, 2, 3, 4].map((n) => db.query<{ n: number }>('select $1::int as n', [n])));
    expect(results.map(({ rows }) => rows[0].n)).toEqual([1, 2, 3, 4]);
  });

  it('commits, rolls back on a throw, and always gives the client back', async () => {
    await db.query('create table public.tx_test (n int primary key)');
    // more transactions than the pool has clients: a client not given back would block the loop
    for (let i = 0; i < 6; i++) {
      const work = db.transaction(async (tx) => {
        await tx.query('insert into public.tx_test (n) values ($1)', [i]);
        if (i % 3 === 1) throw new Error('changed my mind');
        if (i % 3 === 2) await tx.query('select 1/0');
      });
      if (i % 3 === 0) await work;
      else await expect(work).rejects.toThrow();
    }
    const { rows } = await db.query<{ n: number }>('select n from public.tx_test order by n');
    expect(rows.map((r) => r.n)).toEqual([0, 3]);
  });

  it('runs what waits for a commit once it committed, never after a rollback, and only for its own transactions', async () => {
    const ran: string[] = [];
    await db.transaction(async (tx) => {
      expect(afterCommit(tx, () => ran.push('committed'))).toBe(true);
      expect(ran).toEqual([]);
    });
    await expect(
      db.transaction(async (tx) => {
        afterCommit(tx, () => ran.push('rolled back'));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    // outside a transaction there is no commit to wait for: the caller is told so, and nothing is kept
    expect(afterCommit(db, () => ran.push('pool'))).toBe(false);
    await db.transaction(async (tx) => {
      expect(isAppliedOnce(tx)).toBe(false);
      markAppliedOnce(tx);
      expect(isAppliedOnce(tx)).toBe(true);
    });
    // the mark ends with its transaction, though the client is reused
    await db.transaction(async (tx) => expect(isAppliedOnce(tx)).toBe(false));
    expect(ran).toEqual(['committed']);
  });

  it('delivers notifications to a listener until it is closed', async () => {
    const received: (string | undefined)[] = [];
    const listener = await db.listen('test_channel', (payload) => received.push(payload));
    await db.query("select pg_notify('test_channel', 'hello')");
    for (let i = 0; i < 500 && !received.includes('hello'); i++) await sleep(10);
    expect(received).toContain('hello');
    await listener.close();
  });

  it('applies each migration once, in id order, also when processes start together', async () => {
    const migrations: Migration[] = [
      { id: '0002-second', sql: "insert into public.migration_log (id) values ('0002')" },
      {
        id: '0001-first',
        sql: "create table public.migration_log (seq serial primary key, id text not null); insert into public.migration_log (id) values ('0001')",
      },
      { id: '0003-third', sql: "insert into public.migration_log (id) values ('0003')" },
    ];
    const starters = Array.from({ length: 4 }, () => new PgDatabase(url, { max: 1 }));
    const applied = await Promise.all(starters.map((s) => runMigrations(s, migrations)));
    await Promise.all(starters.map((s) => s.close()));
    expect(applied.flat().sort()).toEqual(['0001-first', '0002-second', '0003-third']);
    expect(await runMigrations(db, migrations)).toEqual([]);
    const { rows } = await db.query<{ id: string }>('select id from public.migration_log order by seq');
    expect(rows.map((r) => r.id)).toEqual(['0001', '0002', '0003']);
  });

  it('stops at a failing migration, naming it, and keeps the ones before', async () => {
    const migrations: Migration[] = [
      { id: '0101-ok', sql: 'create table public.kept (n int)' },
      { id: '0102-broken', sql: 'create table public.kept (n int)' },
      { id: '0103-never', sql: 'create table public.never (n int)' },
    ];
    await expect(runMigrations(db, migrations)).rejects.toThrow(/migration 0102-broken failed/);
    const { rows } = await db.query<{ id: string }>("select id from public.schema_migrations where id like '01%' order by id");
    expect(rows.map((r) => r.id)).toEqual(['0101-ok']);
  });
});
