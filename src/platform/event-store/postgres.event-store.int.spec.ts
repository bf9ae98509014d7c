import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { isUuid, newId } from '../../shared-kernel/ids';
import { markAppliedOnce } from '../persistence/database';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { logSettled } from '../testing/settled-log';
import { LOG_START, WrongExpectedVersion } from './event-store';
import { PostgresEventStore } from './postgres.event-store';
import { counted, counter, ev, meta } from './event-store.fixtures';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testServers())('PostgresEventStore on $name', (server) => {
  let db: PgDatabase;
  let store: PostgresEventStore;

  const suite = migratedDatabase(server, platformCoreMigrations, { poolSize: 20 });
  beforeAll(async () => {
    db = suite.db;
    store = new PostgresEventStore(db);
  });

  it('records no command in a transaction applied once per command; a conflict there fails without aborting it', async () => {
    const s = `test.once-${newId()}`;
    const m = meta();
    await db.transaction(async (tx) => {
      markAppliedOnce(tx);
      expect((await store.append(s, [ev('A'), ev('B')], { expectedVersion: 'no_stream', meta: m, tx })).nextExpectedVersion).toBe(2);
      await expect(store.append(s, [ev('C')], { expectedVersion: 1, meta: meta(), tx })).rejects.toBeInstanceOf(WrongExpectedVersion);
      // the transaction goes on
      await store.append(s, [ev('C')], { expectedVersion: 2, meta: meta(), tx });
    });
    expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
    const { rows } = await db.query('select 1 from es.command_results where command_id = $1', [m.commandId]);
    expect(rows).toHaveLength(0);
  });

  it('enforces expected versions', async () => {
    const s = `test.s-${newId()}`;
    expect((await store.append(s, [ev('A')], { expectedVersion: 'no_stream', meta: meta() })).nextExpectedVersion).toBe(1);
    await expect(store.append(s, [ev('A')], { expectedVersion: 'no_stream', meta: meta() })).rejects.toMatchObject({
      name: 'WrongExpectedVersion',
      actual: 1,
    });
    expect((await store.append(s, [ev('B'), ev('C')], { expectedVersion: 1, meta: meta() })).nextExpectedVersion).toBe(3);
    await expect(store.append(s, [ev('D')], { expectedVersion: 1, meta: meta() })).rejects.toBeInstanceOf(WrongExpectedVersion);
    await expect(store.append(s, [ev('D')], { expectedVersion: 7, meta: meta() })).rejects.toMatchObject({ expected: 7, actual: 3 });
    await expect(store.append(s, [ev('D')], { expectedVersion: 0, meta: meta() })).rejects.toMatchObject({ actual: 3 });
    expect((await store.append(s, [ev('D')], { expectedVersion: 'any', meta: meta() })).nextExpectedVersion).toBe(4);
    expect((await store.append(s, [], { expectedVersion: 4, meta: meta() })).nextExpectedVersion).toBe(4);
    await expect(store.append(s, [], { expectedVersion: 2, meta: meta() })).rejects.toBeInstanceOf(WrongExpectedVersion);
    const read = await store.readStream(s);
    expect(read.map((e) => [e.version, e.type])).toEqual([
      [1, 'A'],
      [2, 'B'],
      [3, 'C'],
      [4, 'D'],
    ]);
    expect((await store.readStream(s, { fromVersion: 3 })).map((e) => e.version)).toEqual([3, 4]);
    expect(typeof read[0].globalPosition).toBe('string');
  });

  it('appends with "any" concurrently without losing an event', async () => {
    const s = `test.any-${newId()}`;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.append(s, [ev('X', { i })], { expectedVersion: 'any', meta: meta() })),
    );
    expect(results.map((r) => r.nextExpectedVersion).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect((await store.readStream(s)).map((e) => e.version)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('writes the metadata of the command into every event', async () => {
    const s = `test.meta-${newId()}`;
    const m = meta({ causationId: 'cause-1', userId: 'user-1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const { events } = await store.append(s, [ev('A', { n: 1 }), ev('B')], { expectedVersion: 'no_stream', meta: m });
    const [stored] = await store.readStream(s);
    expect(stored.metadata).toEqual(events[0].metadata);
    expect(stored.metadata).toMatchObject({
      commandId: m.commandId,
      correlationId: m.correlationId,
      causationId: 'cause-1',
      userId: 'user-1',
      traceparent: m.traceparent,
      occurredAt: '2026-03-01T10:00:00.000Z',
      schemaVersion: 1,
    });
    expect(isUuid(stored.metadata.eventId)).toBe(true);
    expect(events[1].metadata.eventId).not.toBe(events[0].metadata.eventId);
    expect(stored.data).toEqual({ n: 1 });
  });

  it('makes a repeated command id a no-op that returns the first result', async () => {
    const s = `test.idem-${newId()}`;
    const m = meta();
    const first = await store.append(s, [ev('A'), ev('B')], { expectedVersion: 'no_stream', meta: m });
    const again = await store.append(s, [ev('A'), ev('B')], { expectedVersion: 'no_stream', meta: m });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, nextExpectedVersion: 2 });
    expect(again.events.map((e) => e.metadata.eventId)).toEqual(first.events.map((e) => e.metadata.eventId));
    expect(await store.readStream(s)).toHaveLength(2);
  });

  it('answers concurrent duplicates of one command with the single first result', async () => {
    const s = `test.idem-race-${newId()}`;
    const m = meta();
    const results = await Promise.all(Array.from({ length: 10 }, () => store.append(s, [ev('A')], { expectedVersion: 'any', meta: m })));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.events[0].metadata.eventId)).size).toBe(1);
    expect(await store.readStream(s)).toHaveLength(1);

    // the duplicate waits for the transaction holding the command id, then returns its result
    const held = `test.idem-held-${newId()}`;
    const m2 = meta();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const inserted = new Promise<void>((resolve) => (appended = resolve));
    const holder = db.transaction(async (tx) => {
      await store.append(held, [ev('A')], { expectedVersion: 'no_stream', meta: m2, tx });
      appended();
      await gate;
    });
    await inserted;
    const waiting = store.append(held, [ev('A')], { expectedVersion: 'no_stream', meta: m2 });
    release();
    await holder;
    expect(await waiting).toMatchObject({ duplicate: true, nextExpectedVersion: 1 });
    expect(await store.readStream(held)).toHaveLength(1);
  });

  it('upcasts stored events on read, in a chain up to the newest version', async () => {
    const type = `Renamed-${newId()}`;
    store.registerUpcaster({ type, fromVersion: 1, upcast: (d) => ({ fullName: d.name }) });
    store.registerUpcaster({ type, fromVersion: 2, upcast: (d) => ({ ...d, display: String(d.fullName).toUpperCase() }) });
    const s = `test.up-${newId()}`;
    await store.append(s, [ev(type, { name: 'ada' })], { expectedVersion: 'no_stream', meta: meta(), schemaVersions: { [type]: 1 } });
    await store.append(s, [ev(type, { fullName: 'bob', display: 'BOB' })], { expectedVersion: 1, meta: meta() });
    const read = await store.readStream(s);
    expect(read.map((e) => [e.data, e.metadata.schemaVersion])).toEqual([
      [{ fullName: 'ada', display: 'ADA' }, 3],
      [{ fullName: 'bob', display: 'BOB' }, 3],
    ]);
    const { rows } = await db.query('select schema_version from es.events where stream = $1 order by version', [s]);
    expect(rows.map((r) => r.schema_version)).toEqual([1, 3]);
    await logSettled(db);
    const all = await store.readAll(LOG_START, 10_000, { types: [type] });
    expect(all.events.map((e) => e.data)).toEqual(read.map((e) => e.data));
  });

  it('runs inline projections in the append transaction and rolls both back when one throws', async () => {
    await db.query('create table if not exists public.proj_counts (stream text primary key, n int not null)');
    const type = `Projected-${newId()}`;
    store.registerInlineProjection({
      name: 'test.counts',
      handles: [type],
      apply: async (tx, events) => {
        for (const e of events) {
          if ((e.data as { fail?: boolean }).fail) await tx.query('select 1/0');
          await tx.query(
            'insert into public.proj_counts (stream, n) values ($1, 1) on conflict (stream) do update set n = proj_counts.n + 1',
            [e.stream],
          );
        }
      },
    });
    const count = async (s: string) => (await db.query('select n from public.proj_counts where stream = $1', [s])).rows[0]?.n ?? 0;
    const s = `test.proj-${newId()}`;
    await store.append(s, [ev(type), ev('Other'), ev(type)], { expectedVersion: 'no_stream', meta: meta() });
    expect(await count(s)).toBe(2);
    await expect(store.append(s, [ev(type), ev(type, { fail: true })], { expectedVersion: 3, meta: meta() })).rejects.toThrow(
      /division by zero/,
    );
    expect(await count(s)).toBe(2);
    expect(await store.readStream(s)).toHaveLength(3);

    // inside a caller's transaction: the failure fails that transaction, and none of it commits
    await expect(
      db.transaction(async (tx) => {
        await store.append(s, [ev(type)], { expectedVersion: 3, meta: meta(), tx });
        await store.append(s, [ev(type, { fail: true })], { expectedVersion: 4, meta: meta(), tx });
      }),
    ).rejects.toThrow(/division by zero/);
    expect(await count(s)).toBe(2);
    expect((await store.readStream(s)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('keeps a caller transaction usable after a version conflict', async () => {
    const s = `test.tx-${newId()}`;
    await store.append(s, [ev('A')], { expectedVersion: 'no_stream', meta: meta() });
    await db.transaction(async (tx) => {
      await expect(store.append(s, [ev('B'), ev('C')], { expectedVersion: 0, meta: meta(), tx })).rejects.toMatchObject({ actual: 1 });
      await store.append(s, [ev('B')], { expectedVersion: 1, meta: meta(), tx });
    });
    expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B']);
  });

  it('undoes a partial append that met a concurrent one inside a caller transaction', async () => {
    const s = `test.partial-${newId()}`;
    await store.append(s, [ev('A')], { expectedVersion: 'no_stream', meta: meta() });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const inserted = new Promise<void>((resolve) => (appended = resolve));
    const first = db.transaction(async (tx) => {
      await store.append(s, [ev('B')], { expectedVersion: 1, meta: meta(), tx });
      appended();
      await gate;
    });
    await inserted;
    const second = db.transaction(async (tx) => {
      // versions 2 and 3: 2 waits for the first transaction and is taken, 3 would be inserted alone
      const conflict = store.append(s, [ev('C'), ev('D')], { expectedVersion: 1, meta: meta(), tx }).catch((error: unknown) => error);
      for (let i = 0; i < 500; i++) {
        const { rows } = await db.query(
          "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        );
        if (rows[0].n !== '0') break;
        await sleep(5);
      }
      release();
      expect(await conflict).toMatchObject({ name: 'WrongExpectedVersion', actual: 2 });
      await store.append(s, [ev('C'), ev('D')], { expectedVersion: 2, meta: meta(), tx });
    });
    await Promise.all([first, second]);
    expect((await store.readStream(s)).map((e) => `${e.version}${e.type}`)).toEqual(['1A', '2B', '3C', '4D']);
  });

  it('decides with retries on conflicts, also inside larger transactions', async () => {
    const s = `test.decide-${newId()}`;
    const runs = Array.from({ length: 16 }, (_, i) =>
      i % 2 === 0
        ? store.decide(s, counter, () => counted(1), meta())
        : db.transaction(async (tx) => {
            await tx.query('select pg_current_xact_id()'); // the transaction already has work of its own
            return store.decide(s, counter, () => counted(1), meta(), { tx });
          }),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(await store.aggregate(s, counter)).toEqual({ state: { total: 16 }, version: 16 });
  });

  it('returns the stored result of a repeated command without deciding again', async () => {
    const s = `test.decide-idem-${newId()}`;
    const m = meta();
    const first = await store.decide(s, counter, () => [counted(2), counted(3)], m);
    await store.decide(s, counter, () => counted(10), meta());
    let called = false;
    const again = await store.decide(s, counter, () => ((called = true), counted(100)), m);
    expect(called).toBe(false);
    expect(again).toMatchObject({ duplicate: true, version: 2, state: { total: 5 } });
    expect(again.events.map((e) => e.metadata.eventId)).toEqual(first.events.map((e) => e.metadata.eventId));
    expect(await store.aggregate(s, counter)).toEqual({ state: { total: 15 }, version: 3 });
  });
});
