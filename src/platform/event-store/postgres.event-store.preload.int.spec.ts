import { beforeAll, describe, expect, it, vi } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { newId } from '../../shared-kernel/ids';
import { markAppliedOnce } from '../persistence/database';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { PostgresEventStore } from './postgres.event-store';
import { type Counted, counted, counter, meta } from './event-store.fixtures';

describe.each(testServers())('PostgresEventStore.preload on $name', (server) => {
  let db: PgDatabase;
  let store: PostgresEventStore;

  const suite = migratedDatabase(server, platformCoreMigrations, { poolSize: 5 });
  beforeAll(() => {
    db = suite.db;
    store = new PostgresEventStore(db);
  });

  const seeded = async (...amounts: number[]) => {
    const stream = `test.preload-${newId()}`;
    if (amounts.length > 0) await store.append(stream, amounts.map(counted), { expectedVersion: 'no_stream', meta: meta() });
    return stream;
  };

  it('reads the streams of a batch in one statement; the decisions after it read nothing and see what the batch appended', async () => {
    const [full, empty] = [await seeded(1, 2), await seeded()];
    const totals = await db.transaction(async (tx) => {
      markAppliedOnce(tx);
      const statements = vi.spyOn(tx, 'query');
      await store.preload([full, empty, full], tx);
      expect(statements).toHaveBeenCalledTimes(1);
      const first = await store.decide(full, counter, () => counted(10), meta(), { tx });
      const second = await store.decide(full, counter, (state) => counted(state.total), meta(), { tx });
      const fresh = await store.decide(empty, counter, () => counted(5), meta(), { tx });
      expect(await store.readStream(empty, { tx })).toHaveLength(1);
      // the three appends, nothing read
      expect(statements).toHaveBeenCalledTimes(4);
      return [first.state.total, second.state.total, fresh.state.total];
    });
    expect(totals).toEqual([13, 26, 5]);
    expect((await store.readStream(full)).map((e) => (e.data as Counted['data']).by)).toEqual([1, 2, 10, 13]);
  });

  it('reads a stream again when an append on its copy lost a race, and decides on what was committed', async () => {
    const stream = await seeded(1);
    const total = await db.transaction(async (tx) => {
      markAppliedOnce(tx);
      await store.preload([stream], tx);
      // committed by another transaction after the batch read its copy
      await store.append(stream, [counted(100)], { expectedVersion: 1, meta: meta() });
      return (await store.decide(stream, counter, (state) => counted(state.total), meta(), { tx })).state.total;
    });
    expect(total).toBe(202);
    expect((await store.readStream(stream)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('does nothing in a transaction that is not applied once: its decisions must find the commands recorded before', async () => {
    const stream = await seeded(1);
    await db.transaction(async (tx) => {
      const statements = vi.spyOn(tx, 'query');
      await store.preload([stream], tx);
      expect(statements).not.toHaveBeenCalled();
      await store.decide(stream, counter, () => counted(1), meta(), { tx });
      // the decision's read, then its append
      expect(statements).toHaveBeenCalledTimes(2);
    });
  });
});
