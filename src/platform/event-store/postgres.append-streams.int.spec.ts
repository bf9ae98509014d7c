import { beforeAll, describe, expect, it, vi } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { newId } from '../../shared-kernel/ids';
import { markAppliedOnce } from '../persistence/database';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { type RecordedEvent, WrongExpectedVersion } from './event-store';
import { PostgresEventStore } from './postgres.event-store';
import { meta } from './event-store.fixtures';

const ev = (type: string) => ({ type, data: { at: type } });

describe.each(testServers())('PostgresEventStore.appendStreams on $name', (server) => {
  let db: PgDatabase;
  let store: PostgresEventStore;
  const projected: RecordedEvent[][] = [];

  const suite = migratedDatabase(server, platformCoreMigrations, { poolSize: 5 });
  beforeAll(() => {
    db = suite.db;
    store = new PostgresEventStore(db);
    store.registerInlineProjection({
      name: 'test.calls',
      handles: ['A', 'B', 'C'],
      apply: async (_tx, events) => void projected.push(events),
    });
  });

  const applyingOnce = <T>(work: (tx: Parameters<Parameters<PgDatabase['transaction']>[0]>[0]) => Promise<T>) =>
    db.transaction(async (tx) => {
      markAppliedOnce(tx);
      return work(tx);
    });

  it('appends every stream in one statement, a stream in parts one after the other, and projects them once', async () => {
    const [old, fresh] = [`test.streams-${newId()}`, `test.streams-${newId()}`];
    await store.append(old, [ev('A')], { expectedVersion: 'no_stream', meta: meta() });
    projected.length = 0;
    const recorded = await applyingOnce(async (tx) => {
      const statements = vi.spyOn(tx, 'query');
      const parts = await store.appendStreams(
        [
          { stream: old, expectedVersion: 1, events: [ev('B')], meta: meta() },
          { stream: fresh, expectedVersion: 0, events: [ev('A'), ev('B')], meta: meta() },
          { stream: old, expectedVersion: 2, events: [ev('C')], meta: meta() },
        ],
        tx,
      );
      expect(statements).toHaveBeenCalledTimes(1);
      return parts;
    });
    expect(recorded.map((part) => part.map((e) => `${e.stream === old ? 'old' : 'fresh'}@${e.version}`))).toEqual([
      ['old@2'],
      ['fresh@1', 'fresh@2'],
      ['old@3'],
    ]);
    // the log holds them in the order given
    const positions = recorded.flat().map((e) => BigInt(e.globalPosition));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    expect((await store.readStream(old)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
    expect(projected).toEqual([recorded.flat()]);
  });

  it('appends nothing when a stream is not at its version', async () => {
    const [moved, untouched] = [`test.streams-${newId()}`, `test.streams-${newId()}`];
    await store.append(moved, [ev('A'), ev('B')], { expectedVersion: 'no_stream', meta: meta() });
    const appending = applyingOnce((tx) =>
      store.appendStreams(
        [
          { stream: untouched, expectedVersion: 0, events: [ev('A')], meta: meta() },
          { stream: moved, expectedVersion: 1, events: [ev('C')], meta: meta() },
        ],
        tx,
      ),
    );
    await expect(appending).rejects.toMatchObject({ name: 'WrongExpectedVersion', stream: moved, actual: 2 });
    await expect(appending).rejects.toBeInstanceOf(WrongExpectedVersion);
    expect(await store.readStream(untouched)).toEqual([]);
    expect(await store.readStream(moved)).toHaveLength(2);
  });

  it('refuses a transaction that is not applied once: its commands would go unrecorded', async () => {
    const stream = `test.streams-${newId()}`;
    await expect(
      db.transaction((tx) => store.appendStreams([{ stream, expectedVersion: 0, events: [ev('A')], meta: meta() }], tx)),
    ).rejects.toThrow(/applies its messages once/);
  });

  it('adds what it appended to the streams a batch read ahead', async () => {
    const stream = `test.streams-${newId()}`;
    await store.append(stream, [ev('A')], { expectedVersion: 'no_stream', meta: meta() });
    const types = await applyingOnce(async (tx) => {
      await store.preload([stream], tx);
      await store.appendStreams([{ stream, expectedVersion: 1, events: [ev('B')], meta: meta() }], tx);
      const statements = vi.spyOn(tx, 'query');
      const read = await store.readStream(stream, { tx });
      expect(statements).not.toHaveBeenCalled();
      return read.map((e) => e.type);
    });
    expect(types).toEqual(['A', 'B']);
  });
});
