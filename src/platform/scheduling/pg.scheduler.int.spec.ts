import { beforeAll, describe, expect, it, vi } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { PostgresEventStore } from '../event-store/postgres.event-store';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { PgScheduler } from './pg.scheduler';
import type { ScheduledMessage } from './scheduler';

describe.each(testServers())('PgScheduler on $name', (server) => {
  let db: PgDatabase;
  let store: PostgresEventStore;
  const clock = new ManualClock(new Date('2026-05-01T12:00:00Z'));

  const suite = migratedDatabase(server, platformCoreMigrations);
  beforeAll(async () => {
    db = suite.db;
    store = new PostgresEventStore(db);
  });

  const timeout = (inMs: number, over: Partial<ScheduledMessage> = {}): ScheduledMessage => ({
    key: `timeout-${newId()}`,
    stream: `test.checkout-${newId()}`,
    event: { type: 'CheckoutTimedOut', data: { reason: 'too slow' } },
    dueAt: new Date(clock.now().getTime() + inMs),
    meta: { correlationId: 'corr-1', causationId: 'cause-1' },
    ...over,
  });

  it('delivers nothing before it is due, then exactly once', async () => {
    const scheduler = new PgScheduler(db, store, clock);
    const message = timeout(60_000);
    await scheduler.schedule(message);
    await scheduler.schedule({ ...message, event: { type: 'Other', data: {} } }); // the same key keeps the first
    expect(await scheduler.deliverDue()).toBe(0);
    clock.advance(59_999);
    expect(await scheduler.deliverDue()).toBe(0);
    expect(await store.readStream(message.stream)).toEqual([]);

    clock.advance(1);
    expect(await scheduler.deliverDue()).toBe(1);
    expect(await scheduler.deliverDue()).toBe(0);
    const events = await store.readStream(message.stream);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'CheckoutTimedOut',
      data: { reason: 'too slow' },
      metadata: {
        commandId: `scheduled:${message.key}`,
        correlationId: 'corr-1',
        causationId: 'cause-1',
        occurredAt: clock.now().toISOString(),
      },
    });
  });

  it('cancels a message before it is due; a later cancel changes nothing', async () => {
    const scheduler = new PgScheduler(db, store, clock);
    const cancelled = timeout(1000);
    const delivered = timeout(1000);
    await scheduler.schedule(cancelled);
    await scheduler.schedule(delivered);
    await scheduler.cancel(cancelled.key);
    clock.advance(1000);
    expect(await scheduler.deliverDue()).toBe(1);
    await scheduler.cancel(delivered.key);
    expect(await store.readStream(cancelled.stream)).toEqual([]);
    expect(await store.readStream(delivered.stream)).toHaveLength(1);
  });

  it("schedules a batch's messages in one statement and cancels several keys in one", async () => {
    const scheduler = new PgScheduler(db, store, clock);
    const batch = [timeout(1000), timeout(2000), timeout(1000)];
    await db.transaction(async (tx) => {
      const statements = vi.spyOn(tx, 'query');
      await scheduler.schedule(batch, tx);
      await scheduler.cancel([batch[0].key, batch[1].key], tx);
      await scheduler.schedule([], tx);
      await scheduler.cancel([], tx);
      expect(statements).toHaveBeenCalledTimes(2);
    });
    clock.advance(2000);
    expect(await scheduler.deliverDue()).toBe(1);
    expect(await store.readStream(batch[2].stream)).toHaveLength(1);
  });

  it('stores a message scheduled in a transaction only if it commits', async () => {
    const scheduler = new PgScheduler(db, store, clock);
    const message = timeout(10);
    await expect(
      db.transaction(async (tx) => {
        await scheduler.schedule(message, tx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    clock.advance(10);
    expect(await scheduler.deliverDue()).toBe(0);
  });

  it('delivers each message once when several pollers run at the same time', async () => {
    const schedulers = [0, 1, 2].map(() => new PgScheduler(db, store, clock, { batchSize: 4 }));
    const messages = Array.from({ length: 30 }, (_, i) => timeout(500 + i));
    for (const m of messages) await schedulers[0].schedule(m);
    clock.advance(1000);
    const counts = await Promise.all(schedulers.flatMap((s) => [s.deliverDue(), s.deliverDue()]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
    for (const m of messages) expect(await store.readStream(m.stream)).toHaveLength(1);
  });

  it('polls until stopped', async () => {
    const scheduler = new PgScheduler(db, store, clock);
    const message = timeout(0);
    await scheduler.schedule(message);
    scheduler.start(5);
    for (let i = 0; i < 1000 && (await store.readStream(message.stream)).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await scheduler.stop();
    expect(await store.readStream(message.stream)).toHaveLength(1);
  });

  it('a poller delivers what this process schedules once the clock reaches it, without waiting for its next look', async () => {
    const scheduler = new PgScheduler(db, store, clock);
    scheduler.start(5);
    const later = { ...timeout(0), dueAt: new Date(clock.now().getTime() + 60_000) };
    await scheduler.schedule(later);
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.readStream(later.stream)).toHaveLength(0);
    clock.advance(60_000);
    // well within the 5 s after which the poller would look again anyway
    for (let i = 0; i < 300 && (await store.readStream(later.stream)).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await scheduler.stop();
    expect(await store.readStream(later.stream)).toHaveLength(1);
  });
});
