import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { ManualClock } from '../../shared-kernel/clock';
import { Unavailable } from '../../shared-kernel/errors';
import { newId } from '../../shared-kernel/ids';
import type { CommandMeta, RecordedEvent } from '../event-store/event-store';
import { PostgresEventStore } from '../event-store/postgres.event-store';
import type { Sql } from '../persistence/database';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import type { LogFn } from './consumer-batch';
import { PgLogConsumers } from './pg.log-consumers';

const meta = (): CommandMeta => ({ commandId: newId(), correlationId: newId(), now: new Date('2026-03-01T10:00:00Z') });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet: LogFn = () => undefined;

/** Polls `check` until it holds; bounded, never asserts a duration. */
const eventually = async (check: () => Promise<boolean> | boolean, what: string) => {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`never happened: ${what}`);
};

describe.each(testServers())('PgLogConsumers on $name', (server) => {
  let db: PgDatabase;
  let store: PostgresEventStore;
  const clock = new ManualClock();

  const suite = migratedDatabase(server, platformCoreMigrations, { poolSize: 20 });
  beforeAll(async () => {
    db = suite.db;
    await db.query('create table public.effects (consumer text not null, event_id uuid not null, primary key (consumer, event_id))');
    store = new PostgresEventStore(db);
  });

  const appendMany = async (type: string, count: number, data: (i: number) => Record<string, unknown> = (i) => ({ i })) => {
    const s = `test.c-${newId()}`;
    await store.append(
      s,
      Array.from({ length: count }, (_, i) => ({ type, data: data(i) })),
      { expectedVersion: 'no_stream', meta: meta() },
    );
    return s;
  };
  const effects = async (consumer: string) =>
    (await db.query<{ event_id: string }>('select event_id from public.effects where consumer = $1', [consumer])).rows.map(
      (r) => r.event_id,
    );
  const writeEffect = (consumer: string) => async (event: RecordedEvent, tx: Sql) => {
    await tx.query('insert into public.effects (consumer, event_id) values ($1, $2)', [consumer, event.metadata.eventId]);
  };

  it('applies each database effect once when a handler fails after writing (rolled back, retried)', async () => {
    const name = `test.crash-${newId()}`;
    const type = `Crashy-${newId()}`;
    await appendMany(type, 10);
    let crashed = false;
    const calls: number[] = [];
    const consumers = new PgLogConsumers(db, store, clock, { log: quiet });
    consumers.register({
      name,
      types: [type],
      handle: async (event, tx) => {
        calls.push((event.data as { i: number }).i);
        await writeEffect(name)(event, tx);
        if ((event.data as { i: number }).i === 6 && !crashed) {
          crashed = true;
          throw new Error('crash after the write');
        }
      },
    });
    await consumers.drain();
    expect((await effects(name)).length).toBe(6); // the events before the failing one are committed
    clock.advance(1000);
    await consumers.drain();
    const applied = await effects(name);
    expect(applied).toHaveLength(10);
    expect(new Set(applied).size).toBe(10);
    expect(calls.filter((i) => i === 6)).toHaveLength(2);
    expect((await consumers.status())[0]).toMatchObject({ lag: 0, deadLetters: 0 });
  });

  it('retries with exponential backoff, then moves the event to the dead letters and goes on', async () => {
    const name = `test.poison-${newId()}`;
    const type = `Poison-${newId()}`;
    await appendMany(type, 3, (i) => ({ i, poison: i === 1 }));
    const calls: number[] = [];
    const consumers = new PgLogConsumers(db, store, clock, { log: quiet });
    consumers.register({
      name,
      types: [type],
      maxAttempts: 3,
      handle: async (event, tx) => {
        const { i, poison } = event.data as { i: number; poison: boolean };
        calls.push(i);
        if (poison) throw new Error('cannot handle this one');
        await writeEffect(name)(event, tx);
      },
    });
    const failure = async () =>
      (
        await db.query<{ attempts: number; next_attempt_at: Date }>(
          'select attempts, next_attempt_at from es.consumer_failures where consumer = $1',
          [name],
        )
      ).rows[0];

    await consumers.drain();
    expect(await failure()).toMatchObject({ attempts: 1, next_attempt_at: new Date(clock.now().getTime() + 100) });
    await consumers.drain(); // not due yet: the handler is not called
    expect(calls.filter((i) => i === 1)).toHaveLength(1);

    clock.advance(100);
    await consumers.drain();
    expect(await failure()).toMatchObject({ attempts: 2, next_attempt_at: new Date(clock.now().getTime() + 200) });
    clock.advance(200);
    await consumers.drain();

    expect(await failure()).toBeUndefined();
    const { rows } = await db.query('select type, attempts, error from es.dead_letters where consumer = $1', [name]);
    expect(rows).toEqual([{ type, attempts: 3, error: expect.stringContaining('cannot handle this one') }]);
    expect(calls).toEqual([0, 1, 0, 1, 1, 2]);
    expect(await effects(name)).toHaveLength(2);
    expect((await consumers.status())[0]).toMatchObject({ name, lag: 0, deadLetters: 1 });
  });

  it('waits out an outage soon and often without using up attempts, then dead-letters a real failure as before', async () => {
    const name = `test.outage-${newId()}`;
    const type = `Outage-${newId()}`;
    await appendMany(type, 1);
    let outages = 4;
    let failures = 0;
    const consumers = new PgLogConsumers(db, store, clock, { log: quiet });
    consumers.register({
      name,
      types: [type],
      maxAttempts: 2,
      handle: async () => {
        if (outages-- > 0) throw new Unavailable('messaging.bus_unavailable', 'the broker is down');
        failures += 1;
        throw new Error('cannot handle this one');
      },
    });
    const failure = async () =>
      (
        await db.query<{ attempts: number; next_attempt_at: Date }>(
          'select attempts, next_attempt_at from es.consumer_failures where consumer = $1',
          [name],
        )
      ).rows[0];

    // four outages in a row, more than maxAttempts: 250, 500, 1000, then 2000 ms (the cap), no attempt used up
    for (const delayMs of [250, 500, 1000, 2000]) {
      await consumers.drain();
      expect(await failure()).toMatchObject({ attempts: 0, next_attempt_at: new Date(clock.now().getTime() + delayMs) });
      clock.advance(delayMs);
    }
    await consumers.drain(); // the first real failure: the handler's own backoff from its first attempt
    expect(await failure()).toMatchObject({ attempts: 1, next_attempt_at: new Date(clock.now().getTime() + 100) });
    clock.advance(100);
    await consumers.drain();

    expect(await failure()).toBeUndefined();
    const { rows } = await db.query('select attempts from es.dead_letters where consumer = $1', [name]);
    expect(rows).toEqual([{ attempts: 2 }]);
    expect(failures).toBe(2);
  });

  it('lets two instances share a consumer: never the same event at once, each event exactly once', async () => {
    const name = `test.shared-${newId()}`;
    const type = `Shared-${newId()}`;
    const handled = new Map<string, number>();
    let active = 0;
    let maxActive = 0;
    const handle = async (event: RecordedEvent, tx: Sql) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      handled.set(event.metadata.eventId, (handled.get(event.metadata.eventId) ?? 0) + 1);
      await writeEffect(name)(event, tx);
      if (Math.random() < 0.1) await sleep(1);
      active -= 1;
    };
    const instances = [0, 1].map(() => new PgLogConsumers(db, store, clock, { log: quiet, batchSize: 7, pollIntervalMs: 5 }));
    for (const instance of instances) instance.register({ name, types: [type], handle });
    await Promise.all(instances.map((i) => i.start()));
    await Promise.all(Array.from({ length: 20 }, () => appendMany(type, 10)));
    await eventually(async () => (await effects(name)).length === 200, 'all 200 events handled');
    await Promise.all(instances.map((i) => i.stop()));

    expect(maxActive).toBe(1);
    expect(handled.size).toBe(200);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(await effects(name)).size).toBe(200);
  });

  it('resumes from its checkpoint after stop and start, woken by notifications', async () => {
    const name = `test.resume-${newId()}`;
    const type = `Resume-${newId()}`;
    const seen: number[] = [];
    const consumer = { name, types: [type], handle: async (event: RecordedEvent) => void seen.push((event.data as { i: number }).i) };
    // the poll interval is far longer than the test: only LISTEN/NOTIFY can wake the loop
    const first = new PgLogConsumers(db, store, clock, { log: quiet, pollIntervalMs: 600_000 });
    first.register(consumer);
    await first.start();
    await appendMany(type, 5);
    await eventually(() => seen.length === 5, 'the first five events handled');
    await first.stop();

    await appendMany(type, 5, (i) => ({ i: i + 5 }));
    const second = new PgLogConsumers(db, store, clock, { log: quiet });
    second.register(consumer);
    await second.drain();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('moves a typed consumer past other events and reports its lag', async () => {
    const name = `test.typed-${newId()}`;
    const type = `Typed-${newId()}`;
    await appendMany(type, 2);
    await appendMany(`Other-${newId()}`, 3);
    const consumers = new PgLogConsumers(db, store, clock, { log: quiet, batchSize: 1 });
    consumers.register({ name, types: [type], handle: async () => undefined });
    expect((await consumers.status())[0]).toMatchObject({ lag: 2, deadLetters: 0 });
    await consumers.drain();
    const [status] = await consumers.status();
    expect(status.lag).toBe(0);
    const { rows } = await db.query<{ checkpoint: string }>(
      "select e.transaction_id::text || '/' || e.global_position::text as checkpoint from es.events e order by e.transaction_id desc, e.global_position desc limit 1",
    );
    expect(status.checkpoint).toBe(rows[0].checkpoint);
  });

  it('passes over events it does not want without a batch, and saves that position later without reading them again', async () => {
    const name = `test.skips-${newId()}`;
    const wanted = `Wanted-${newId()}`;
    const handled: string[] = [];
    let batches = 0;
    const consumers = new PgLogConsumers(db, store, clock, { log: quiet, skippedCheckpointSaveMs: 200 });
    const handle = async (event: RecordedEvent) => void (event.type === wanted && handled.push(event.type));
    consumers.register({
      name,
      wants: (event) => event.type === wanted,
      handle,
      handleBatch: async (events) => {
        batches += 1;
        for (const event of events) await handle(event);
      },
    });
    const watched: string[] = [];
    const stopWatching = consumers.watch((events) => watched.push(...events.map((e) => e.stream)));
    await consumers.start();
    /** Whether the consumer's saved checkpoint is at or past the last event of `stream` (a commit of its, not a read). */
    const checkpointPast = async (stream: string) =>
      (
        await db.query<{ past: boolean }>(
          `select coalesce((select (c.transaction_id, c.position) >= (e.transaction_id, e.global_position)
                              from es.checkpoints c where c.consumer = $1), false) as past
             from es.events e where e.stream = $2 order by e.version desc limit 1`,
          [name, stream],
        )
      ).rows[0].past;
    const first = await appendMany(wanted, 1);
    await eventually(() => handled.length === 1, 'the wanted event handled');
    // the handler runs inside the batch: wait for the batch's checkpoint to commit
    await eventually(() => checkpointPast(first), "the wanted event's batch committed");
    const batchesBefore = batches;
    const others = await appendMany(`Other-${newId()}`, 20);
    // the tail showed the consumer nothing it wants: no batch ran, and its position is saved after a while all the same
    await eventually(() => watched.includes(others), 'the tail to show the others');
    await eventually(() => checkpointPast(others), 'the skipped position saved');
    expect(batches).toBe(batchesBefore);
    stopWatching();
    await consumers.stop();
  });
});
