import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { clusterPlace, recordedCluster } from './cluster-location';
import { startDetached } from './detached-postgres';
import { choosePort, EmbeddedPostgresPortTaken, portWasInUse, rememberedPort } from './embedded-postgres-port';
import { clearPreviousRun, isAlive, waitForExit } from './embedded-postgres-previous-run';
import { initialiseCluster } from './initialise-cluster';
import { packagedPostgresDir, runnablePrograms } from './postgres-programs';
import { serverUser } from './postgres-user';

export type EmbeddedPostgresOptions = {
  /** the cluster's data directory; created and initialised on first run, reused afterwards */
  dataDir: string;
  /** the port; with `portFile`, only the preferred one */
  port: number;
  /**
   * Where the port is remembered when `port` is taken: the server then starts on a free one, kept in this file for
   * the next start and for the command-line tools (`runningEmbeddedPostgres`). Without it, a taken `port` is refused
   * (EmbeddedPostgresPortTaken).
   */
  portFile?: string;
  /** the application database, created when missing (default 'orderly') */
  database?: string;
  /** password of the 'postgres' superuser, set when the cluster is initialised (default 'postgres') */
  password?: string;
  /** the server's own log lines (default: kept only for error messages) */
  onLog?: (line: string) => void;
  /** one-line notices for the person starting it (the port it took instead of a taken one) */
  onNotice?: (message: string) => void;
  /** one line for the person starting it when the cluster is not in `dataDir`: where it is, and why */
  onInfo?: (message: string) => void;
  /**
   * Where the cluster's place is recorded when, as root, the server's user cannot reach `dataDir`'s parent (DATA_DIR):
   * the cluster then lives below `relocationBase` and this file names it, for the next start and the command-line
   * tools. Without it, such a `dataDir` is refused (EmbeddedPostgresDataUnreachable).
   */
  locationFile?: string;
  /** the directory relocated clusters go below (default /var/lib/orderly; tests pass one of their own) */
  relocationBase?: string;
  /** server parameters for this run only, over postgresql.conf (e.g. `{ wal_level: 'minimal' }` for a test's own cluster) */
  settings?: Record<string, string>;
  /**
   * PostgreSQL's native directory (bin, lib, share); default: the one the `embedded-postgres` package installed. As root,
   * when the server's user cannot reach it, a copy is kept beside the cluster (`postgres-<package version>`).
   */
  programsDir?: string;
};

export type RunningPostgres = {
  /** connection URL of the application database */
  url: string;
  /** the port it listens on (with `portFile`, possibly not the one asked for) */
  port: number;
  /** stops the server cleanly (fast shutdown); safe to call twice */
  stop(): Promise<void>;
};

const USER = 'postgres';
const START_ATTEMPTS = 3;

const baseUrl = (port: number, password: string) => `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;

const createDatabaseIfMissing = async (adminUrl: string, database: string): Promise<void> => {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount) return;
    await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (error) {
    // another process created it at the same moment
    if (!['42P04', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
  } finally {
    await client.end();
  }
};

/** Whether the cluster is there already; what a killed run of it left behind is cleared (or refused while it runs). */
const findCluster = async (dataDir: string): Promise<boolean> => {
  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    await clearPreviousRun(dataDir);
    return true;
  }
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION): move it away or choose another directory`);
  }
  return false;
};

/**
 * Starts the server on the chosen port; `prepare` (initdb on a first run) runs once the port is known, so a port
 * that is refused is told before initdb's seconds. With a port file, a start that fails because the port was taken
 * in the meantime (another start was quicker) tries the next free port, a bounded number of times.
 */
const startOnAFreePort = async (
  options: EmbeddedPostgresOptions,
  prepare: () => Promise<void>,
  start: (port: number) => Promise<number>,
  recent: string[],
): Promise<{ pid: number; port: number }> => {
  const failed: number[] = [];
  for (;;) {
    const { port, instead } = await choosePort(options.port, options.portFile, failed);
    if (instead !== undefined) {
      options.onNotice?.(`port ${instead} of the embedded PostgreSQL is taken: it runs on ${port}, remembered in ${options.portFile}`);
    }
    if (failed.length === 0) await prepare();
    recent.length = 0;
    try {
      return { pid: await start(port), port };
    } catch (error) {
      const log = recent.join('');
      if (portWasInUse(log)) {
        if (!options.portFile) throw new EmbeddedPostgresPortTaken(port);
        failed.push(port);
        if (failed.length < START_ATTEMPTS) continue;
      }
      const detail = `${error instanceof Error ? error.message : String(error)} ${log.trim()}`.trim();
      throw new Error(`the embedded PostgreSQL did not start on port ${port}: ${detail}`, { cause: error });
    }
  }
};

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package's programs: initialises `dataDir` on first run
 * (detected by its PG_VERSION file), starts the server and creates the application database when missing. As root
 * the server runs as the `postgres` user: from a copy of the programs beside the cluster when it cannot reach the
 * package's, and on a cluster it can reach: one it cannot reach, not made yet, is made below `relocationBase`
 * instead (`clusterPlace`, told through `onInfo`).
 */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<RunningPostgres> => {
  const password = options.password ?? 'postgres';
  const database = options.database ?? 'orderly';
  const recent: string[] = [];
  const onLog = (line: string) => {
    recent.push(line);
    if (recent.length > 30) recent.shift();
    options.onLog?.(line);
  };
  const user = serverUser();
  const { locationFile, relocationBase } = options;
  const { dataDir, relocation } = clusterPlace({ dataDir: resolve(options.dataDir), user, locationFile, relocationBase });
  if (relocation) options.onInfo?.(relocation);
  const programs = runnablePrograms(options.programsDir ?? (await packagedPostgresDir()), user, dirname(dataDir));
  const initialised = await findCluster(dataDir);

  const initialise = async () => {
    if (!initialised) await initialiseCluster({ initdb: programs.initdb, dataDir, superuser: USER, password, user, onLog });
  };
  const start = async (port: number) =>
    (await startDetached({ postgres: programs.postgres, dataDir, port, user, onLog, settings: options.settings })).pid!;
  const { pid, port } = await startOnAFreePort(options, initialise, start, recent);

  // fast shutdown (SIGINT), then immediate (SIGQUIT) if it does not stop in time
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (!isAlive(pid)) return;
      process.kill(pid, 'SIGINT');
      if (!(await waitForExit(pid))) process.kill(pid, 'SIGQUIT');
    })());
  try {
    await createDatabaseIfMissing(`${baseUrl(port, password)}/postgres`, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `${baseUrl(port, password)}/${encodeURIComponent(database)}`, port, stop };
};

const samePath = (a: string, b: string): boolean => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
};

/**
 * The URL of the embedded PostgreSQL that another process started on `dataDir` (a running `npm start`), if one
 * answers: on the port remembered in `portFile`, else `port`; a server there that serves other data (than `dataDir`,
 * or the cluster `locationFile` names) is not it.
 */
export const runningEmbeddedPostgres = async (
  options: Pick<EmbeddedPostgresOptions, 'dataDir' | 'port' | 'portFile' | 'locationFile' | 'database' | 'password'>,
): Promise<string | undefined> => {
  const port = (options.portFile && rememberedPort(options.portFile)) || options.port;
  const url = `${baseUrl(port, options.password ?? 'postgres')}/${encodeURIComponent(options.database ?? 'orderly')}`;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ dir: string }>(`select current_setting('data_directory') as dir`);
    return samePath(rows[0].dir, recordedCluster(options.locationFile) ?? options.dataDir) ? url : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
};
