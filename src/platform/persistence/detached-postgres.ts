import { type ChildProcess, spawn } from 'node:child_process';
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

/**
 * Starts the postmaster in a session of its own (`detached`), so a Ctrl-C in the terminal reaches only our process:
 * the server keeps serving while requests in flight finish and consumers stop, and is stopped last. (The package's
 * own start shares our process group, so the terminal's SIGINT would shut the database down first.)
 * Resolves once the server accepts connections; its log lines go to `onLog` (the pipe is always drained).
 */
export const startDetached = ({ postgres, dataDir, port, user, onLog, settings = {} }: DetachedStart): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const parameters = Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
    const child = spawn(postgres, ['-D', dataDir, '-p', String(port), ...parameters], {
      ...(user && { uid: user.uid, gid: user.gid }),
      // a working directory the server's user can reach (ours may be closed to it)
      cwd: dataDir,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
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
