import type { Sql } from '../persistence/database';

/**
 * Where a log consumer stands: its saved checkpoint, how old the first event after it is (null: none, caught up), and
 * how long ago the retry of its failed delivery fell due (null: no failure recorded; negative: the retry is not due
 * yet).
 */
export type ConsumerPosition = {
  name: string;
  checkpoint: string;
  oldestUnprocessedAgeMs: number | null;
  retryOverdueMs: number | null;
};

/**
 * The saved position of each named consumer, in one statement: per consumer one look at the first event after its
 * checkpoint, in log order through the index (as `committedAfter` does), whatever its type, and the retry its recorded
 * failure waits for (`es.consumer_failures` holds only failures at the event after the checkpoint: saving a checkpoint
 * clears them). A consumer passes over events it does not want in memory and saves that position every few seconds,
 * so its saved checkpoint trails the log by at most those seconds. Ages are measured on the database's clock, the one
 * that stamped the events; a retry's time was set on the app's clock, so a skew between the two shifts how overdue it
 * looks by that much.
 */
export const consumerPositions = async (sql: Sql, names: readonly string[]): Promise<ConsumerPosition[]> => {
  if (names.length === 0) return [];
  const { rows } = await sql.query<{ name: string; checkpoint: string; oldest_age_ms: number | null; retry_overdue_ms: number | null }>(
    `select c.name,
            coalesce(cp.transaction_id, '0'::xid8)::text || '/' || coalesce(cp.position, 0)::text as checkpoint,
            (extract(epoch from now() - next.created_at) * 1000)::float8 as oldest_age_ms,
            (select (extract(epoch from now() - min(f.next_attempt_at)) * 1000)::float8
               from es.consumer_failures f where f.consumer = c.name) as retry_overdue_ms
     from unnest($1::text[]) as c(name)
     left join es.checkpoints cp on cp.consumer = c.name
     left join lateral (
       select e.created_at from es.events e
       where (e.transaction_id, e.global_position) > (coalesce(cp.transaction_id, '0'::xid8), coalesce(cp.position, 0))
       order by e.transaction_id, e.global_position
       limit 1
     ) next on true`,
    [names],
  );
  return rows.map((row) => ({
    name: row.name,
    checkpoint: row.checkpoint,
    oldestUnprocessedAgeMs: row.oldest_age_ms === null ? null : Math.max(0, row.oldest_age_ms),
    retryOverdueMs: row.retry_overdue_ms,
  }));
};

/**
 * Tells stuck log consumers from busy and failing ones across successive checks. A consumer is stuck when the oldest
 * event it has not processed is older than `stuckAfterMs`, its checkpoint has not moved since the checks began to see
 * it where it is, for at least `stuckAfterMs` too, AND it is not retrying a recorded failure: a hung handler, a lease
 * never taken, a loop that died. Readiness is per instance but the checkpoints are shared, so whatever it calls stuck
 * takes every instance out of service: a consumer that fails and retries (a mail server down: outages are retried for
 * as long as they last, never dead-lettered) is shown by the retry and dead-letter metrics and their alerts instead,
 * and leaves the instances serving. It counts as retrying while its retry is due less than `stuckAfterMs` ago; a retry
 * overdue by longer means nothing runs it (the loop died) or its attempt hangs, and the consumer is stuck again.
 *
 * A consumer far behind that keeps moving is busy, not stuck, however often it is checked (a batch taking longer than
 * the time between two probes does not make it stuck). A position first seen is given the benefit of the doubt: a
 * process that just started needs `stuckAfterMs` of watching before it calls a consumer stuck.
 */
export class ConsumerStallWatch {
  /** each consumer's checkpoint as last seen, and since when (ms, this process's clock) it has been seen there */
  private readonly seen = new Map<string, { checkpoint: string; since: number }>();

  constructor(private readonly stuckAfterMs: number) {}

  /** The names of the consumers stuck now, given their positions read at `now` (ms); remembers the positions. */
  stuck(positions: readonly ConsumerPosition[], now: number): string[] {
    const stuck: string[] = [];
    for (const { name, checkpoint, oldestUnprocessedAgeMs, retryOverdueMs } of positions) {
      const seen = this.seen.get(name);
      if (!seen || seen.checkpoint !== checkpoint) {
        this.seen.set(name, { checkpoint, since: now });
        continue;
      }
      const waiting = oldestUnprocessedAgeMs !== null && oldestUnprocessedAgeMs > this.stuckAfterMs;
      const retrying = retryOverdueMs !== null && retryOverdueMs <= this.stuckAfterMs;
      if (waiting && !retrying && now - seen.since >= this.stuckAfterMs) stuck.push(name);
    }
    return stuck;
  }
}
