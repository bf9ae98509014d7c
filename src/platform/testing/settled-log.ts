import { READABLE_BELOW } from '../event-store/postgres.event-store.sql';
import type { Sql } from '../persistence/database';

/**
 * Waits until readers of the global log can see every event committed so far. `readAll` leaves out transactions
 * newer than the oldest one still open anywhere on the server that may append (other test files included), so a test that appends
 * and then reads the log waits here first. Bounded: throws after about 20 s.
 */
export const logSettled = async (db: Sql): Promise<void> => {
  const { rows } = await db.query<{ t: string }>(
    'select e.transaction_id::text as t from es.events e order by e.transaction_id desc limit 1',
  );
  const newest = rows[0]?.t ?? '0';
  for (let i = 0; i < 2000; i++) {
    const { rows: ok } = await db.query<{ ok: boolean }>(`select ${READABLE_BELOW} > $1::xid8 as ok`, [newest]);
    if (ok[0].ok) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the global log did not settle: a transaction stays open on the server');
};
