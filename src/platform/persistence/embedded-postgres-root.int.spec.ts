import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startupFailure } from '../../app/startup-failure';
import { EmbeddedPostgresDataUnreachable, startEmbeddedPostgres } from './embedded-postgres';
import { packagedPostgresDir, runnablePrograms } from './postgres-programs';
import { closedDirectory, serverUser } from './postgres-user';

const query = async <T>(url: string, sql: string): Promise<T[]> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
};

const mode = (path: string) => statSync(path).mode & 0o777;

// The situation of a root user whose project sits in a home directory of mode 700: PostgreSQL refuses to run as root,
// so it runs as the 'postgres' user, which cannot enter that directory. Only root can set it up (and this machine's
// tests run as root).
describe.skipIf(process.getuid?.() !== 0)('the embedded PostgreSQL started by root', () => {
  const home = mkdtempSync(join(tmpdir(), 'orderly-closed-home-')); // mode 700, like /root
  const open = mkdtempSync(join(tmpdir(), 'orderly-open-'));
  const copies = join(open, 'copies');
  const port = 20000 + Math.floor(Math.random() * 20000);
  let programsDir: string;
  let version: string;

  beforeAll(async () => {
    chmodSync(open, 0o755);
    mkdirSync(copies, { mode: 0o755 });
    // the package as npm installs it, but inside the closed home: its package.json names the copy's version
    const packaged = await packagedPostgresDir();
    cpSync(join(packaged, '..', 'package.json'), join(home, 'pkg', 'package.json'));
    cpSync(packaged, join(home, 'pkg', 'native'), { recursive: true, verbatimSymlinks: true });
    programsDir = join(home, 'pkg', 'native');
    version = (JSON.parse(readFileSync(join(home, 'pkg', 'package.json'), 'utf8')) as { version: string }).version;
  });
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(open, { recursive: true, force: true });
  });

  it('refuses a data directory the postgres user cannot reach in one sentence, and leaves the closed directory closed', async () => {
    const dataDir = join(home, 'project', '.data', 'pg');
    const error: unknown = await startEmbeddedPostgres({ dataDir, port, programsDir, copiesDir: copies }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedPostgresDataUnreachable);
    expect(startupFailure(error)).toBe(
      `the embedded PostgreSQL cannot reach ${dataDir}: a parent directory (${home}, mode 700) is closed to the postgres user ` +
        'that PostgreSQL runs as; set DATA_DIR to a directory it can reach, e.g. /var/lib/orderly',
    );
    expect(mode(home)).toBe(0o700);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('runs initdb and postgres from a copy the postgres user can reach when it cannot reach the programs', async () => {
    const dataDir = join(open, 'data', 'pg');
    expect(closedDirectory(programsDir, serverUser()!)).toEqual({ dir: home, mode: 0o700 });

    const first = await startEmbeddedPostgres({ dataDir, port, programsDir, copiesDir: copies });
    const copy = join(copies, `orderly-postgres-${version}`);
    try {
      const pid = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
      // the server runs the copied program, as the postgres user
      expect(readlinkSync(`/proc/${pid}/exe`)).toBe(join(copy, 'bin', 'postgres'));
      expect(statSync(`/proc/${pid}`).uid).toBe(serverUser()!.uid);
      await query(first.url, 'create table kept (n int); insert into kept values (7)');
    } finally {
      await first.stop();
    }
    expect(mode(copy)).toBe(0o755);
    expect(mode(home)).toBe(0o700);

    // the next start reuses the copy as it is
    const copied = statSync(join(copy, 'bin', 'postgres')).ino;
    const second = await startEmbeddedPostgres({ dataDir, port, programsDir, copiesDir: copies });
    try {
      expect(await query<{ n: number }>(second.url, 'select n from kept')).toEqual([{ n: 7 }]);
    } finally {
      await second.stop();
    }
    expect(statSync(join(copy, 'bin', 'postgres')).ino).toBe(copied);
  });

  it('makes the copy again when a file of it went missing, and refuses a copy another user made', () => {
    const copy = join(copies, `orderly-postgres-${version}`);
    const user = serverUser()!;
    unlinkSync(join(copy, 'bin', 'initdb'));
    expect(runnablePrograms(programsDir, user, copies).initdb).toBe(join(copy, 'bin', 'initdb'));
    expect(existsSync(join(copy, 'bin', 'initdb'))).toBe(true);

    chownSync(copy, user.uid, user.gid);
    expect(() => runnablePrograms(programsDir, user, copies)).toThrow(/was not made by this user: remove it/);
  });

  it('runs the programs where they are when the postgres user can reach them', () => {
    const reachable = join(open, 'pkg');
    cpSync(join(home, 'pkg'), reachable, { recursive: true, verbatimSymlinks: true });
    expect(runnablePrograms(join(reachable, 'native'), serverUser(), copies).postgres).toBe(join(reachable, 'native', 'bin', 'postgres'));
  });
});
