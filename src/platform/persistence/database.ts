import type { QueryResultRow } from 'pg';

/** Something SQL can be run on: the pool, or a client inside a transaction. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * The PostgreSQL database. Correctness lives here: every command runs in one transaction
 * (`transaction`) whose effects, events and inbox rows commit together or not at all.
 */
export abstract class Database implements Sql {
  abstract query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
  /** Runs `work` in a READ COMMITTED transaction; rolls back if it throws. */
  abstract transaction<T>(work: (tx: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  abstract close(): Promise<void>;
}

/**
 * Takes the lock called `name` until the transaction `tx` ends: transactions that take the same name run one after
 * the other from there (a PostgreSQL advisory lock on the name's 64-bit hash; unrelated names may share a hash, which
 * only makes them wait).
 */
export const lockUntilCommit = async (tx: Sql, name: string): Promise<void> => {
  await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [name]);
};

export type TransactionOptions = {
  /**
   * The transaction will append no events (it writes read models, inbox rows, checkpoints): readers of the global log
   * need not wait for it however long it runs (see `NO_EVENTS_APPLICATION_PREFIX`). An append in it throws.
   */
  appendsNoEvents?: boolean;
};

/**
 * A transaction that appends no events names itself so in `pg_stat_activity.application_name`, followed by its own
 * transaction id, for as long as it runs: readers of the log read below the oldest running transaction that is not
 * so named. The id in the name ties the promise to that one transaction, whatever the session runs next.
 */
export const NO_EVENTS_APPLICATION_PREFIX = 'orderly-no-events:';

/** What a running transaction knows about itself: work to run after its commit, whether it runs once per command. */
type TransactionContext = { callbacks: (() => void)[]; appliedOnce: boolean; appendsNoEvents: boolean };
const transactions = new WeakMap<Sql, TransactionContext>();

/**
 * Runs `callback` once the transaction `tx` has committed (never when it rolls back). Returns false, running nothing,
 * when `tx` is not a transaction the Database opened (e.g. the pool itself): the caller then does its work another way.
 */
export const afterCommit = (tx: Sql, callback: () => void): boolean => {
  const context = transactions.get(tx);
  context?.callbacks.push(callback);
  return context !== undefined;
};

/**
 * Runs `callback` once what `sql` wrote is committed: after the commit of the transaction `sql` is (see `afterCommit`),
 * or now when it is none (the pool, whose statements commit on their own, or nothing at all). For in-memory effects
 * of a write (metrics, notices) that must not run for a write that rolls back.
 */
export const onceCommitted = (sql: Sql | undefined, callback: () => void): void => {
  if (!sql || !afterCommit(sql, callback)) callback();
};

/**
 * Marks `tx` as a transaction whose effects commit at most once per command, whatever runs it again (an inbox row of
 * the message it handles is written in it): what it appends needs no record of its command id.
 */
export const markAppliedOnce = (tx: Sql): void => {
  const context = transactions.get(tx);
  if (context) context.appliedOnce = true;
};

/** Whether `markAppliedOnce` marked this running transaction. */
export const isAppliedOnce = (tx: Sql): boolean => transactions.get(tx)?.appliedOnce ?? false;

/** Whether this running transaction was opened with `appendsNoEvents`. */
export const appendsNoEvents = (tx: Sql): boolean => transactions.get(tx)?.appendsNoEvents ?? false;

/** For Database implementations: runs `work` with `tx` registered for `afterCommit`, then the callbacks if `commit` succeeds. */
export const withCommitCallbacks = async <T>(
  tx: Sql,
  work: () => Promise<T>,
  commit: () => Promise<unknown>,
  options: TransactionOptions = {},
): Promise<T> => {
  const context: TransactionContext = { callbacks: [], appliedOnce: false, appendsNoEvents: options.appendsNoEvents ?? false };
  transactions.set(tx, context);
  let result: T;
  try {
    result = await work();
    await commit();
  } finally {
    transactions.delete(tx);
  }
  for (const callback of context.callbacks) {
    try {
      callback();
    } catch {
      // the transaction has committed: what runs after it cannot undo that, nor fail the caller
    }
  }
  return result;
};

/**
 * `lockUntilCommit` for several names in one statement, in the order of their hashes: transactions that take
 * overlapping sets this way never deadlock on them.
 */
export const lockAllUntilCommit = async (tx: Sql, names: readonly string[]): Promise<void> => {
  await tx.query(
    `select pg_advisory_xact_lock(key) from (select distinct hashtextextended(name, 0) as key from unnest($1::text[]) as name order by key) keys`,
    [names],
  );
};

/** One migration of one schema; ids sort in the order they must run (e.g. '0001-inventory'). */
export type Migration = { id: string; sql: string };
