import { Client } from 'pg';

/**
 * What the application costs its database, read from a PostgreSQL cluster of the test's own (the counters are
 * cluster-wide, so no other test may share it). Every figure is exact at the moment it is read, none depends on when
 * backends flush their statistics (pg_stat_database is up to 10 s late):
 * - events: rows of es.events after a global position;
 * - write transactions: transaction ids assigned (pg_snapshot_xmax advances by one per id; savepoints that write
 *   take one each);
 * - WAL bytes: the distance between two WAL positions;
 * - rows written: the heap insert, update and delete records in that WAL (pg_walinspect), i.e. every row version
 *   written — a row updated twice counts twice, deletes count, index entries do not;
 * - statements: what the server logged for the application's connections (`log_statement = all`), an upper bound of
 *   its transactions, reads included.
 */
export type DatabaseCounters = {
  mark(): Promise<CounterMark>;
  since(start: CounterMark): Promise<CounterDelta>;
  close(): Promise<void>;
};

export type CounterMark = { at: number; lsn: string; xmax: bigint; lastEvent: bigint; statements: number };

export type CounterDelta = {
  seconds: number;
  events: number;
  rowsWritten: number;
  walBytes: number;
  writeTransactions: number;
  statements: number;
};

/**
 * The server settings that make the counters reproducible: no autovacuum, which writes WAL on its own schedule; no
 * replication, so PostgreSQL logs no standby snapshot (a record every 15 s after activity) and idle means no WAL at
 * all; every statement logged, so `statements` can count them.
 */
export const COUNTING_SETTINGS: Record<string, string> = {
  wal_level: 'minimal',
  max_wal_senders: '0',
  autovacuum: 'off',
  log_statement: 'all',
  log_line_prefix: '%a: ',
};

const lsnBytes = (lsn: string): bigint => {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
};

// one row per WAL record; a multi-insert record (COPY) carries several rows
const ROWS_WRITTEN_SQL = `
  select coalesce(sum(case when resource_manager = 'Heap2'
                           then coalesce(substring(description from 'ntuples: (\\d+)')::int, 1) else 1 end), 0)::int as rows
    from pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
   where (resource_manager = 'Heap' and record_type ~ '^(INSERT|UPDATE|HOT_UPDATE|DELETE)')
      or (resource_manager = 'Heap2' and record_type ~ '^MULTI_INSERT')`;

/**
 * Connects to the cluster of `appUrl` as its superuser. `log` is the server's log so far (the text given to
 * `startEmbeddedPostgres`'s onLog); statements are counted from the lines of `applicationName`'s connections.
 */
export const connectCounters = async (appUrl: string, log: () => string, applicationName: string): Promise<DatabaseCounters> => {
  const app = new Client({ connectionString: appUrl, application_name: 'budget-probe' });
  // pg_walinspect lives in the maintenance database: the application's database stays as its migrations made it
  const maintenanceUrl = new URL(appUrl);
  maintenanceUrl.pathname = '/postgres';
  const cluster = new Client({ connectionString: maintenanceUrl.toString(), application_name: 'budget-probe' });
  await app.connect();
  // the migrations leave dead catalog rows too (a column added, a type replaced): pruned here, not in a measured window
  await app.query(
    'vacuum pg_catalog.pg_attribute, pg_catalog.pg_type, pg_catalog.pg_constraint, pg_catalog.pg_class, pg_catalog.pg_depend',
  );
  await cluster.connect();
  await cluster.query('create extension if not exists pg_walinspect');
  // creating it leaves dead catalog rows, which reads would prune later, writing WAL in the measured windows
  await cluster.query('vacuum pg_catalog.pg_proc');
  const statementLine = new RegExp(`^${applicationName}: LOG:  (statement|execute [^:]*):`, 'gm');
  const statements = () => log().match(statementLine)?.length ?? 0;

  const mark = async (): Promise<CounterMark> => {
    const { rows } = await cluster.query<{ lsn: string; xmax: string }>(
      'select pg_current_wal_lsn()::text as lsn, pg_snapshot_xmax(pg_current_snapshot())::text as xmax',
    );
    const { rows: last } = await app.query<{ position: string }>(
      'select coalesce(max(global_position), 0)::text as position from es.events',
    );
    return {
      at: performance.now(),
      lsn: rows[0].lsn,
      xmax: BigInt(rows[0].xmax),
      lastEvent: BigInt(last[0].position),
      statements: statements(),
    };
  };

  const since = async (start: CounterMark): Promise<CounterDelta> => {
    const end = await mark();
    const { rows: events } = await app.query<{ n: number }>('select count(*)::int as n from es.events where global_position > $1', [
      start.lastEvent.toString(),
    ]);
    // pg_walinspect refuses an empty range: it finds no record in it
    const written =
      end.lsn === start.lsn ? [{ rows: 0 }] : (await cluster.query<{ rows: number }>(ROWS_WRITTEN_SQL, [start.lsn, end.lsn])).rows;

    return {
      seconds: (end.at - start.at) / 1000,
      events: events[0].n,
      rowsWritten: written[0].rows,
      walBytes: Number(lsnBytes(end.lsn) - lsnBytes(start.lsn)),
      writeTransactions: Number(end.xmax - start.xmax),
      statements: end.statements - start.statements,
    };
  };

  return {
    mark,
    since,
    close: async () => {
      await app.end().catch(() => undefined);
      await cluster.end().catch(() => undefined);
    },
  };
};
