import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { starterOf } from './detached-postgres';

const SHUTDOWN_WAIT_MS = 60_000;

/** The cluster is served by a server that a running process of ours started (another `npm start` on the same data). */
export class EmbeddedPostgresInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: number,
  ) {
    super(`the PostgreSQL in ${dataDir} belongs to a running process (pid ${owner}): stop it first, or use another DATA_DIR`);
    this.name = 'EmbeddedPostgresInUse';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export const waitForExit = async (pid: number, ms: number = SHUTDOWN_WAIT_MS): Promise<boolean> => {
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

/** The parent of a process (from /proc, else `ps`); a process whose parent died is adopted by init (1) or a subreaper. */
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

/**
 * The running Orderly process that serves the postmaster `pid` (its command line `args`), if any: its parent, when that
 * is the process that started it (named in `args` by `startDetached`). Once the starter died the postmaster is adopted
 * by init or by a subreaper (a container's init, `systemd --user`, tini -s), which never is the starter: the server is
 * then nobody's. A server started before starters were named is taken to be ours while its parent runs Node.
 */
const ownerOf = (pid: number, args: readonly string[]): number | undefined => {
  const parent = parentOf(pid);
  if (parent === undefined || parent < 1 || !isAlive(parent)) return undefined;
  const starter = starterOf(args);
  if (starter !== undefined) return parent === starter ? parent : undefined;
  const program = commandLine(parent)?.[0];
  return program && /^node/i.test(basename(program)) ? parent : undefined;
};

/** Whether `args` are those of a postmaster serving `dataDir` (and not of another program that got the pid of a dead one). */
const servesDataDir = (args: readonly string[] | undefined, dataDir: string): args is readonly string[] =>
  args !== undefined && (args.includes(dataDir) || args.includes(realpathSync(dataDir)));

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
 * is removed. A server of ours still running after the process that started it was killed is shut down cleanly, so
 * this process starts and owns a fresh one. A server whose starter still runs is refused (EmbeddedPostgresInUse).
 */
export const clearPreviousRun = async (dataDir: string): Promise<void> => {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = postmasterPid(dataDir);
  const args = pid === undefined || !isAlive(pid) ? undefined : commandLine(pid);
  if (pid !== undefined && servesDataDir(args, dataDir)) {
    const owner = ownerOf(pid, args);
    if (owner !== undefined) throw new EmbeddedPostgresInUse(dataDir, owner);
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid))) {
      process.kill(pid, 'SIGQUIT');
      if (!(await waitForExit(pid))) throw new Error(`the PostgreSQL server (pid ${pid}) left running in ${dataDir} does not stop`);
    }
  }
  rmSync(pidFile, { force: true });
};
