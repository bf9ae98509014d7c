import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { newId } from '../../shared-kernel/ids';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { logSettled } from '../testing/settled-log';
import { compareCheckpoints } from './event-recording';
import { LOG_START, type EventStore, type LogCheckpoint, type RecordedEvent } from './event-store';
import { InMemoryEventStore } from './in-memory.event-store';
import { PostgresEventStore } from './postgres.event-store';
import { ev, meta } from './event-store.fixtures';

/* Reading the global log: in transaction order, never skipping a late commit, filtered by type in bounded steps. */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testServers())('PostgresEventStore.readAll on $name', (server) => {
  let db: PgDatabase;
  let store: PostgresEventStore;

  const suite = migratedDatabase(server, platformCoreMigrations, { poolSize: 20 });
  beforeAll(async () => {
    db = suite.db;
    store = new PostgresEventStore(db);
  });

  it('moves a typed reader past events of other types', async () => {
    const wanted = `Wanted-${newId()}`;
    const s = `test.types-${newId()}`;
    await store.append(s, [ev(wanted), ev('Noise'), ev('Noise')], { expectedVersion: 'no_stream', meta: meta() });
    await logSettled(db);
    const start = (await store.readAll(LOG_START, 100_000)).checkpoint;
    await store.append(s, [ev('Noise'), ev(wanted), ev('Noise')], { expectedVersion: 3, meta: meta() });
    await logSettled(db);
    const typed = await store.readAll(start, 10, { types: [wanted] });
    expect(typed.events.map((e) => [e.stream, e.version])).toEqual([[s, 5]]);
    const plain = await store.readAll(start, 10);
    expect(typed.checkpoint).toEqual(plain.checkpoint);
    expect(await store.readAll(typed.checkpoint, 10, { types: [wanted] })).toEqual({ events: [], checkpoint: typed.checkpoint });
  });

  it('reads some types in bounded steps over a log of other events, like the in-memory store', async () => {
    const wanted = `Rare-${newId()}`;
    const twin = new InMemoryEventStore();
    await logSettled(db);
    const start = (await store.readAll(LOG_START, 1_000_000)).checkpoint;
    for (const target of [store, twin] as EventStore[]) {
      const noise = Array.from({ length: 2500 }, (_, i) => ev('Noise', { i }));
      await target.append(`test.rare-${newId()}`, [...noise, ev(wanted), ...noise, ev(wanted)], {
        expectedVersion: 'no_stream',
        meta: meta(),
      });
    }
    await logSettled(db);
    const steps = async (target: EventStore, from: LogCheckpoint) => {
      const found: number[][] = [];
      let checkpoint = from;
      for (let i = 0; i < 100; i++) {
        const batch = await target.readAll(checkpoint, 10, { types: [wanted] });
        if (compareCheckpoints(batch.checkpoint, checkpoint) === 0) break;
        found.push(batch.events.map((e) => e.version));
        checkpoint = batch.checkpoint;
      }
      return found;
    };
    const [postgres, inMemory] = [await steps(store, start), await steps(twin, LOG_START)];
    expect(postgres).toEqual(inMemory);
    expect(postgres.flat()).toEqual([2501, 5002]);
    expect(postgres.length).toBeGreaterThan(2); // it moved through the noise in several steps
  });

  it('never lets a reader skip a transaction that commits late', async () => {
    const seen: (RecordedEvent & { transactionId: string })[] = [];
    let checkpoint: LogCheckpoint = (await store.readAll(LOG_START, 1_000_000)).checkpoint;
    const expected = 2 + 6 * 8 * 2;
    const ours = () => seen.filter((e) => e.stream.startsWith('test.writer-') || e.type === 'Late');
    // reads until it has seen as many events as were written (more would show up as duplicates below)
    const reader = (async () => {
      for (let i = 0; i < 20_000 && ours().length < expected; i++) {
        const batch = await store.readAll(checkpoint, 7);
        seen.push(...batch.events);
        checkpoint = batch.checkpoint;
        if (batch.events.length === 0) await sleep(2);
      }
    })();

    // one transaction takes its transaction id first and commits last
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const lateStarted = new Promise<void>((resolve) => (started = resolve));
    const late = db.transaction(async (tx) => {
      await store.append(`test.late-${newId()}`, [ev('Late', { n: 1 }), ev('Late', { n: 2 })], {
        expectedVersion: 'no_stream',
        meta: meta(),
        tx,
      });
      started();
      await gate;
    });
    await lateStarted;
    const writers = Array.from({ length: 6 }, async (_, w) => {
      const s = `test.writer-${w}-${newId()}`;
      for (let n = 0; n < 8; n++) {
        await db.transaction(async (tx) => {
          await store.append(s, [ev('W', { w, n }), ev('W', { w, n, second: true })], { expectedVersion: n * 2, meta: meta(), tx });
          await sleep(Math.floor(Math.random() * 4));
        });
      }
    });
    await Promise.all(writers);
    const seenBeforeLateCommit = ours().length;
    release();
    await late;
    await reader;
    const rest = await store.readAll(checkpoint, 1000);
    seen.push(...rest.events);

    const all = await db.query<{ event_id: string }>(
      `select event_id from es.events where stream like 'test.writer-%' or type = 'Late' order by transaction_id, global_position`,
    );
    const ids = ours().map((e) => e.metadata.eventId);
    expect(seenBeforeLateCommit).toBe(0); // every writer transaction is newer than the held one, so it waits behind it
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(all.rows.map((r) => r.event_id));
    const byStream = new Map<string, number[]>();
    for (const e of seen) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e.version]);
    for (const [stream, versions] of byStream) expect(versions, stream).toEqual(versions.map((_, i) => versions[0] + i));
  });
});
