import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { type RunningPostgres, startEmbeddedPostgres } from '../../src/platform/persistence/embedded-postgres';
import { queryOnce } from '../../src/platform/persistence/embedded-postgres.fixtures';
import { isAlive, waitForExit } from '../../src/platform/persistence/embedded-postgres-previous-run';
import { postgresEnvironment } from '../../src/platform/persistence/postgres-environment';
import { serverUser, type ServerUser } from '../../src/platform/persistence/postgres-user';
import { walPosition } from '../../src/platform/persistence/write-positions';
import { until } from './invariants';

/** Where Debian installs a PostgreSQL version's programs: /usr/lib/postgresql/<major>/bin. */
const DEBIAN_POSTGRES = '/usr/lib/postgresql';
const PASSWORD = 'postgres';
const START_TIMEOUT_MS = 30_000;

/** The newest PostgreSQL installed by the system's packages with the programs a replica needs, if any. */
export const systemPostgresDir = (): string | undefined => {
  if (!existsSync(DEBIAN_POSTGRES)) return undefined;
  const versions = readdirSync(DEBIAN_POSTGRES)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(DEBIAN_POSTGRES, name, 'bin', 'pg_basebackup')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(DEBIAN_POSTGRES, versions[0]);
};

/** A primary and one streaming replica of it, each on a private port, for a test's own use. */
export type ReplicatedPostgres = {
  primaryUrl: string;
  replicaUrl: string;
  /** Until the replica has replayed everything the primary has written so far (bounded). */
  caughtUp(): Promise<void>;
  /** Replay stops (WAL still arrives): the replica shows the state of now until `resumeReplay`. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stopReplica(): Promise<void>;
  /** Stops both servers; safe to call twice. */
  stop(): Promise<void>;
};

const run = (program: string, args: string[], cwd: string, user: ServerUser | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      ...(user && { uid: user.uid, gid: user.gid }),
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: postgresEnvironment(),
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => void (errors += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${program} failed (${code}): ${errors.trim()}`))));
  });

/** Starts a hot standby on `dataDir` (made by pg_basebackup -R) and resolves once it accepts read-only connections. */
const startStandby = (postgres: string, dataDir: string, port: number, user: ServerUser | undefined, onLog: (text: string) => void) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(postgres, ['-D', dataDir, '-p', String(port), '-c', 'hot_standby=on', '-c', 'listen_addresses=127.0.0.1'], {
      ...(user && { uid: user.uid, gid: user.gid }),
      cwd: dataDir,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: postgresEnvironment(),
    });
    const timer = setTimeout(() => reject(new Error(`the replica did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    let ready = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      onLog(text);
      if (!ready && text.includes('ready to accept read-only connections')) {
        ready = true;
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`the replica exited during start (${code ?? signal})`));
    });
  });

const stopServer = async (pid: number | undefined): Promise<void> => {
  if (pid === undefined || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid))) process.kill(pid, 'SIGQUIT');
};

/**
 * A primary (initdb on `dir`/primary, `wal_level = replica`) started with the system's PostgreSQL programs, and a
 * replica cloned from it with `pg_basebackup -R` into `dir`/replica and started as a hot standby. As root both run as
 * the `postgres` user, like the embedded PostgreSQL; `dir` must be open to that user (mode 755).
 */
export const startReplicatedPostgres = async (
  dir: string,
  ports: { primary: number; replica: number },
  onLog: (text: string) => void = () => undefined,
): Promise<ReplicatedPostgres> => {
  const programs = systemPostgresDir();
  if (!programs) throw new Error(`no PostgreSQL with pg_basebackup below ${DEBIAN_POSTGRES}`);
  const user = serverUser();
  const primary: RunningPostgres = await startEmbeddedPostgres({
    dataDir: join(dir, 'primary'),
    port: ports.primary,
    password: PASSWORD,
    programsDir: programs,
    settings: { wal_level: 'replica' },
    onLog,
  });
  let standby: ChildProcess | undefined;
  try {
    const replicaDir = join(dir, 'replica');
    mkdirSync(replicaDir, { mode: 0o700 });
    if (user) chownSync(replicaDir, user.uid, user.gid);
    const source = `host=127.0.0.1 port=${ports.primary} user=postgres password=${PASSWORD}`;
    await run(
      join(programs, 'bin', 'pg_basebackup'),
      ['-d', source, '-D', replicaDir, '-R', '-X', 'stream', '-c', 'fast'],
      replicaDir,
      user,
    );
    standby = await startStandby(join(programs, 'bin', 'postgres'), replicaDir, ports.replica, user, onLog);
  } catch (error) {
    await stopServer(standby?.pid);
    await primary.stop();
    throw error;
  }
  const replicaUrl = primary.url.replace(`:${ports.primary}/`, `:${ports.replica}/`);
  const onReplica = <T>(sql: string) => queryOnce<T>(replicaUrl, sql);
  const replayState = async () => (await onReplica<{ state: string }>('select pg_get_wal_replay_pause_state() as state'))[0].state;

  return {
    primaryUrl: primary.url,
    replicaUrl,
    caughtUp: async () => {
      const [{ written }] = await queryOnce<{ written: string }>(primary.url, 'select pg_current_wal_insert_lsn()::text as written');
      await until('the replica to replay what the primary wrote', async () => {
        const [{ replayed }] = await onReplica<{ replayed: string }>('select pg_last_wal_replay_lsn()::text as replayed');
        return walPosition(replayed) >= walPosition(written);
      });
    },
    pauseReplay: async () => {
      await onReplica('select pg_wal_replay_pause()');
      await until('replay to pause', async () => (await replayState()) === 'paused');
    },
    resumeReplay: async () => {
      await onReplica('select pg_wal_replay_resume()');
    },
    stopReplica: () => stopServer(standby?.pid),
    stop: async () => {
      await stopServer(standby?.pid);
      await primary.stop();
    },
  };
};

/** Rows a statement finds on one server, through a connection of its own. */
export const rowsOn = async <T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
};
