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
  abstract transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
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

/** One migration of one schema; ids sort in the order they must run (e.g. '0001-inventory'). */
export type Migration = { id: string; sql: string };
