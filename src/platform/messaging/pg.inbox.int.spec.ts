import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import type { Sql } from '../persistence/database';
import { PgDatabase } from '../persistence/pg.database';
import { eventually } from './message-bus.contract';
import { messagingMigrations } from './messaging.migrations';
import { PgInbox } from './pg.inbox';

describe.each(testServers())('PgInbox on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  let inbox: PgInbox;
  let counter = 0;

  const suite = migratedDatabase(server, messagingMigrations);
  beforeAll(async () => {
    db = suite.db;
    await db.query('create table effects (message_id text not null, subscriber text not null)');
    inbox = new PgInbox(db);
  });

  const newMessageId = () => `m-${++counter}`;
  const applyEffect = (subscriber: string, messageId: string) => (tx: Sql) =>
    tx.query('insert into effects (message_id, subscriber) values ($1, $2)', [messageId, subscriber]).then(() => undefined);
  const effects = async (messageId: string) =>
    Number((await db.query<{ n: string }>('select count(*) as n from effects where message_id = $1', [messageId])).rows[0].n);
  const inboxRows = async (messageId: string) =>
    Number((await db.query<{ n: string }>('select count(*) as n from messaging.inbox where message_id = $1', [messageId])).rows[0].n);

  it('applies a message once and drops the duplicate without running it', async () => {
    const id = newMessageId();
    expect(await inbox.handleOnce('cart', id, applyEffect('cart', id))).toBe(true);
    let ranAgain = false;
    expect(await inbox.handleOnce('cart', id, async () => void (ranAgain = true))).toBe(false);
    expect(ranAgain).toBe(false);
    expect(await effects(id)).toBe(1);
  });

  it('applies the same message id once per subscriber', async () => {
    const id = newMessageId();
    expect(await inbox.handleOnce('cart', id, applyEffect('cart', id))).toBe(true);
    expect(await inbox.handleOnce('ordering.checkout', id, applyEffect('ordering.checkout', id))).toBe(true);
    expect(await effects(id)).toBe(2);
  });

  it('leaves no inbox row when the effect fails, so a redelivery applies it', async () => {
    const id = newMessageId();
    const failing = async (tx: Sql) => {
      await applyEffect('cart', id)(tx);
      throw new Error('effect failed');
    };
    await expect(inbox.handleOnce('cart', id, failing)).rejects.toThrow('effect failed');
    expect(await inboxRows(id)).toBe(0);
    expect(await effects(id)).toBe(0);
    expect(await inbox.handleOnce('cart', id, applyEffect('cart', id))).toBe(true);
    expect(await effects(id)).toBe(1);
  });

  it('applies a batch in one transaction with the ids not handled before; a failing batch leaves no row', async () => {
    const [seen, fresh, other] = [newMessageId(), newMessageId(), newMessageId()];
    await inbox.handleOnce('inventory', seen, applyEffect('inventory', seen));
    const handed: string[][] = [];
    await inbox.handleEachOnce('inventory', [seen, fresh, other], async (tx, ids) => {
      handed.push([...ids].sort());
      for (const id of ids) await applyEffect('inventory', id)(tx);
    });
    expect(handed).toEqual([[fresh, other].sort()]);
    expect([await effects(seen), await effects(fresh), await effects(other)]).toEqual([1, 1, 1]);
    // all handled: nothing runs
    await inbox.handleEachOnce('inventory', [seen, fresh], async () => void handed.push(['ran']));
    expect(handed).toHaveLength(1);

    const failed = newMessageId();
    await expect(
      inbox.handleEachOnce('inventory', [failed], async (tx) => {
        await applyEffect('inventory', failed)(tx);
        throw new Error('effect failed');
      }),
    ).rejects.toThrow('effect failed');
    expect([await inboxRows(failed), await effects(failed)]).toEqual([0, 0]);
  });

  /** Runs two deliveries of one id: the second starts while the first holds its inbox row uncommitted. */
  const concurrently = async (firstOutcome: 'commits' | 'fails') => {
    const id = newMessageId();
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = inbox.handleOnce('cart', id, async (tx) => {
      entered();
      await gate;
      await applyEffect('cart', id)(tx);
      if (firstOutcome === 'fails') throw new Error('first delivery failed');
    });
    await inside;
    const second = inbox.handleOnce('cart', id, applyEffect('cart', id));
    // The second delivery's insert waits on the first's uncommitted primary key.
    await eventually(async () => {
      const waiting = await db.query<{ n: string }>(
        "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'insert into messaging.inbox%'",
      );
      expect(Number(waiting.rows[0].n)).toBe(1);
    });
    release();
    const outcomes = await Promise.allSettled([first, second]);
    return { id, outcomes };
  };

  it('applies one of two concurrent deliveries of the same id', async () => {
    const { id, outcomes } = await concurrently('commits');
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: true },
      { status: 'fulfilled', value: false },
    ]);
    expect(await effects(id)).toBe(1);
    expect(await inboxRows(id)).toBe(1);
  });

  it('lets a concurrent duplicate apply the effect when the first delivery rolls back', async () => {
    const { id, outcomes } = await concurrently('fails');
    expect(outcomes[0].status).toBe('rejected');
    expect(outcomes[1]).toEqual({ status: 'fulfilled', value: true });
    expect(await effects(id)).toBe(1);
    expect(await inboxRows(id)).toBe(1);
  });
});
