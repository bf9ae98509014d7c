import { type ChildProcess, spawn } from 'node:child_process';
import { postgresEnvironment } from './postgres-environment';
import type { ServerUser } from './postgres-user';

export type DetachedStart = {
  /** the `postgres` program */
  postgres: string;
  dataDir: string;
  port: number;
  /** as root: the user the server runs as (PostgreSQL refuses to run as root) */
  user?: ServerUser;
  /** the server's log lines */
  onLog: (text: string) => void;
  /** server parameters for this run only (`-c name=value`), over those of postgresql.conf */
  settings?: Record<string, string>;
};

/** A setting of no meaning to PostgreSQL (a custom `orderly.` one) that names, in the postmaster's command line, the process that started it. */
const STARTER_SETTING = 'orderly.started_by';

/** The process that started a postmaster, from its command line (`-c orderly.started_by=<pid>`); undefined if not ours or older. */
export const starterOf = (args: readonly string[]): number | undefined => {
  const value = args.find((arg) => arg.startsWith(`${STARTER_SETTING}=`))?.slice(STARTER_SETTING.length + 1);
  const pid = Number(value);
  return value && Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

/**
 * Starts the postmaster in a session of its own (`detached`), so a Ctrl-C in the terminal reaches only our process:
 * the server keeps serving while requests in flight finish and consumers stop, and is stopped last. (The package's
 * own start shares our process group, so the terminal's SIGINT would shut the database down first.)
 * Resolves once the server accepts connections; its log lines go to `onLog` (the pipe is always drained). Its command
 * line names this process as its starter (`starterOf`), and it gets only the environment it needs (`postgresEnvironment`).
 */
export const startDetached = ({ postgres, dataDir, port, user, onLog, settings = {} }: DetachedStart): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const parameters = Object.entries({ ...settings, [STARTER_SETTING]: String(process.pid) }).flatMap(([name, value]) => [
      '-c',
      `${name}=${value}`,
    ]);
    const child = spawn(postgres, ['-D', dataDir, '-p', String(port), ...parameters], {
      ...(user && { uid: user.uid, gid: user.gid }),
      // a working directory the server's user can reach (ours may be closed to it)
      cwd: dataDir,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: postgresEnvironment(),
    });
    let ready = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      onLog(text);
      if (!ready && text.includes('ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    });
    child.once('error', reject);
    // 'close', not 'exit': the last lines (why it stopped) have been read by then
    child.once('close', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited during start (${code ?? signal})`));
    });
  });
