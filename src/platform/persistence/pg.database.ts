import { Client, Pool, types, type ClientConfig, type CustomTypesConfig, type PoolClient, type QueryResultRow } from 'pg';
import { Unavailable } from '../../shared-kernel/errors';
import { Database, NO_EVENTS_APPLICATION_PREFIX, type Sql, type TransactionOptions, withCommitCallbacks } from './database';

export type PgDatabaseOptions = {
  /** connections in the pool (default 10) */
  max?: number;
  /** shown in pg_stat_activity */
  applicationName?: string;
  /** how long a caller waits for a free connection before the database counts as unavailable (default 10 s) */
  connectionTimeoutMillis?: number;
  /**
   * The server ends a session whose transaction stays idle this long (default 60 s): an open transaction holds back
   * every reader of the global log, which reads only transactions older than the oldest one still open.
   */
  idleInTransactionTimeoutMs?: number;
  /** The server cancels a statement that runs longer (none by default): for readers that must answer in bounded time. */
  statementTimeoutMs?: number;
};

const INT8_OID = 20;

/** int8 stays a string: global positions and counts may pass 2^53. Set per pool, so other pg users are unaffected. */
const pgTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => value : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);
const CONNECTION_ERROR_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection (is )?closed/i,
  /Client has encountered a connection error/i,
];

/** True when the error says the server cannot be reached, not that the statement was wrong. */
export const isConnectionError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_ERROR_CODES.has(code)) return true;
    // SQLSTATE class 08 (connection exception), shutdown, cannot connect now, session timeouts, too many connections
    if (/^08/.test(code) || ['57P01', '57P02', '57P03', '57P05', '25P03', '53300'].includes(code)) return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return CONNECTION_ERROR_MESSAGES.some((pattern) => pattern.test(error.message));
};

/**
 * Connection failures become `Unavailable` (HTTP 503) keeping the original as `cause` (for logs, not for clients);
 * every other error passes through unchanged.
 */
export const toUnavailable = (error: unknown): unknown =>
  isConnectionError(error)
    ? Object.assign(new Unavailable('platform.database_unavailable', 'the database is not reachable'), { cause: error })
    : error;

/** Statement texts given a server-side name, at most this many distinct texts per process (dynamic texts stay unnamed past it). */
const MAX_NAMED_STATEMENTS = 2000;
const MAX_NAMED_TEXT_LENGTH = 20_000;
const statementNames = new Map<string, string>();

/**
 * The name a statement text is prepared under on each connection, or undefined for a text that runs unnamed. Naming
 * it lets PostgreSQL parse it once per connection and reuse its plan, instead of parsing and planning it on every call
 * (most of what a short statement costs the server). Only texts with parameters: those are single statements.
 */
const statementName = (text: string, params: unknown[] | undefined): string | undefined => {
  if (params === undefined || text.length > MAX_NAMED_TEXT_LENGTH) return undefined;
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `orderly_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
};

/** Opens a transaction that appends no events and names it so with its transaction id, in one round trip. */
const BEGIN_APPENDING_NO_EVENTS = `begin; select set_config('application_name', '${NO_EVENTS_APPLICATION_PREFIX}' || pg_current_xact_id()::text, true)`;

const queryOn = <R extends QueryResultRow>(target: Pool | PoolClient, text: string, params?: unknown[]) =>
  target.query<R>({ name: statementName(text, params), text, values: params });

/** A LISTEN subscription on a dedicated connection; `close()` ends it. */
export type Listener = { close(): Promise<void> };

/** The PostgreSQL `Database` over a `pg.Pool`. */
export class PgDatabase extends Database {
  private readonly pool: Pool;
  private readonly clientConfig: ClientConfig;

  constructor(connectionString: string, options: PgDatabaseOptions = {}) {
    super();
    this.clientConfig = {
      connectionString,
      application_name: options.applicationName,
      types: pgTypes,
      keepAlive: true,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    };
    this.pool = new Pool({
      ...this.clientConfig,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    });
    // An idle client losing its connection must not crash the process; the pool drops it and connects anew.
    this.pool.on('error', () => undefined);
    // Nor one between owners: the pool listens only while a client is idle, a transaction while it holds one, and a
    // server shutting down tells every connection at once (57P01), also one being closed or handed back right then.
    // Whoever uses the client next gets the failure from its query; the event itself has nothing left to tell.
    this.pool.on('connect', (client) => void client.on('error', () => undefined));
  }

  async query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }> {
    try {
      return await queryOn<R>(this.pool, text, params);
    } catch (error) {
      throw toUnavailable(error);
    }
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toUnavailable(error);
    }
    let broken: Error | undefined;
    // The pool listens for errors only on idle clients: a connection lost while this transaction holds it (the
    // server restarts) would otherwise be an unhandled 'error' event, which ends the process.
    const lost = (error: Error) => void (broken ??= error);
    client.on('error', lost);
    try {
      await client.query(options.appendsNoEvents ? BEGIN_APPENDING_NO_EVENTS : 'begin');
      const tx: Sql = { query: (text, params) => queryOn(client, text, params) };
      return await withCommitCallbacks(
        tx,
        () => work(tx),
        () => client.query('commit'),
        options,
      );
    } catch (error) {
      try {
        await client.query('rollback');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      if (isConnectionError(error)) broken ??= error as Error;
      throw toUnavailable(error);
    } finally {
      // a client whose connection failed is destroyed instead of returned to the pool
      client.off('error', lost);
      client.release(broken);
    }
  }

  /**
   * Subscribes to a NOTIFY channel on a dedicated connection that reconnects after a failure. Notifications sent
   * while it is down are lost, so callers keep a fallback poll; `onNotify(undefined)` runs after every (re)connect.
   */
  async listen(
    channel: string,
    onNotify: (payload: string | undefined) => void,
    options: { reconnectDelayMs?: number } = {},
  ): Promise<Listener> {
    let closed = false;
    let active: Client | undefined;
    let timer: NodeJS.Timeout | undefined;
    const ignore = () => undefined;
    const open = async (): Promise<void> => {
      const client = new Client(this.clientConfig);
      const lost = () => {
        if (active !== client) return;
        active = undefined;
        void client.end().catch(ignore);
        retry();
      };
      client.on('error', lost);
      client.on('end', lost);
      client.on('notification', (message) => message.channel === channel && onNotify(message.payload));
      try {
        await client.connect();
        await client.query(`listen ${client.escapeIdentifier(channel)}`);
      } catch (error) {
        await client.end().catch(ignore);
        throw error;
      }
      if (closed) return void (await client.end().catch(ignore));
      active = client;
      onNotify(undefined);
    };
    const retry = () => {
      if (closed || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        open().catch(retry);
      }, options.reconnectDelayMs ?? 1000);
      timer.unref();
    };
    try {
      await open();
    } catch (error) {
      throw toUnavailable(error);
    }
    return {
      close: async () => {
        closed = true;
        if (timer) clearTimeout(timer);
        const client = active;
        active = undefined;
        await client?.end().catch(ignore);
      },
    };
  }

  /** The pool's connections now: open, idle among them, and callers waiting for one (metrics). */
  poolConnections(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
