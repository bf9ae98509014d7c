// What a benchmark costs the database, from PostgreSQL's own counters: events appended to the log, rows written, WAL
// bytes, transaction ids assigned (write transactions, savepoints included) and committed transactions.
//
// pg_stat_database is not live: a backend flushes its counts after a commit at most once a second, and one that goes
// idle with counts pending flushes them only when its idle timer fires, 10 s later. The WAL position, the transaction
// id horizon and the log are exact at any moment.
import pg from 'pg';

/**
 * How long after the last write the counters are at rest: backends that went idle have flushed their counts (10 s),
 * and PostgreSQL has logged the running-transactions record it writes up to 15 s after the last write (56 bytes of
 * WAL that are not the application's).
 */
export const SETTLE_AFTER_WRITES_MS = 16_000;

/** A WAL position ('16/B374D848') as a byte offset. */
const lsnBytes = (lsn) => {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** BENCH_DATABASE_URL, or the database of the embedded default started with EMBEDDED_PG_PORT. */
export const benchDatabaseUrl = (env = process.env) =>
  env.BENCH_DATABASE_URL || `postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_PG_PORT || 54329}/orderly`;

const SNAPSHOT_SQL = `
  select pg_current_wal_lsn()::text as lsn,
         pg_current_snapshot()::text as snapshot,
         pg_snapshot_xmax(pg_current_snapshot())::text as xmax,
         d.xact_commit::text as commits,
         (d.tup_inserted + d.tup_updated + d.tup_deleted)::text as rows_written
    from pg_stat_database d
   where d.datname = current_database()`;

// events committed since `snapshot`: every row the snapshot could not see (the index starts at its oldest running xid)
const EVENTS_SINCE_SQL = `
  select count(*)::text as events
    from es.events
   where transaction_id >= pg_snapshot_xmin($1::pg_snapshot)
     and not pg_visible_in_snapshot(transaction_id, $1::pg_snapshot)`;

const LAST_EVENT_SQL = 'select coalesce(max(global_position), 0)::text as position from es.events';

/**
 * Connects to the database; undefined with the reason when it cannot be reached (the benchmark then reports its rates
 * alone). Every statement of this connection is a read-only transaction of its own: it counts how many it ran, so
 * they can be subtracted from the committed transactions.
 */
export const connectCounters = async (url = benchDatabaseUrl()) => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000, application_name: 'orderly-bench' });
  // a server that goes away later must not crash the benchmark: the next query fails and is reported
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1 from es.events limit 1');
  } catch (error) {
    await client.end().catch(() => undefined);
    return { counters: undefined, reason: error instanceof Error ? error.message : String(error) };
  }
  let statements = 0;
  const query = async (sql, params) => {
    statements++;
    return (await client.query(sql, params)).rows[0];
  };
  // Flushes this connection's own pending counts, so that `statements` and pg_stat_database agree at a snapshot.
  // Superusers only by default; without it the subtraction can be off by the statements of the last second.
  let canFlush = true;
  const flushOwnCounts = async () => {
    if (!canFlush) return;
    try {
      await query('select pg_stat_force_next_flush()');
    } catch {
      canFlush = false;
    }
  };

  const snapshot = async () => {
    await flushOwnCounts();
    const ownStatements = statements;
    const row = await query(SNAPSHOT_SQL);
    return {
      at: performance.now(),
      lsn: row.lsn,
      snapshot: row.snapshot,
      xmax: BigInt(row.xmax),
      commits: BigInt(row.commits),
      rowsWritten: BigInt(row.rows_written),
      ownStatements,
    };
  };

  /** What happened between two snapshots, the statements of this connection taken out of the commits. */
  const between = async (start, end, { withEvents = false } = {}) => {
    const events = withEvents ? Number((await query(EVENTS_SINCE_SQL, [start.snapshot])).events) : undefined;
    return {
      seconds: (end.at - start.at) / 1000,
      events,
      rowsWritten: Number(end.rowsWritten - start.rowsWritten),
      walBytes: Number(lsnBytes(end.lsn) - lsnBytes(start.lsn)),
      writeTransactions: Number(end.xmax - start.xmax),
      commits: Number(end.commits - start.commits) - (end.ownStatements - start.ownStatements),
    };
  };

  /**
   * Resolves once no event was appended for `quietMs` (at most `maxMs`): the checkouts still running when the shoppers
   * stopped have finished their asynchronous part.
   */
  const untilLogQuiet = async ({ quietMs = 1_000, maxMs = 15_000, everyMs = 200 } = {}) => {
    const deadline = performance.now() + maxMs;
    let last = (await query(LAST_EVENT_SQL)).position;
    let quietSince = performance.now();
    while (performance.now() < deadline) {
      await sleep(everyMs);
      const position = (await query(LAST_EVENT_SQL)).position;
      if (position !== last) [last, quietSince] = [position, performance.now()];
      else if (performance.now() - quietSince >= quietMs) return true;
    }
    return false;
  };

  return { counters: { snapshot, between, untilLogQuiet, close: () => client.end().catch(() => undefined) }, reason: undefined };
};
