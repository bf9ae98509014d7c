import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { queryOnce } from './embedded-postgres.fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startupFailure } from '../../app/startup-failure';
import { EmbeddedPostgresDataUnreachable } from './cluster-location';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { packagedPostgresDir, runnablePrograms } from './postgres-programs';
import { closedDirectory, serverUser } from './postgres-user';

const mode = (path: string) => statSync(path).mode & 0o777;

/** The process that serves a cluster: the first line of its postmaster.pid. */
const postmasterOf = (dataDir: string) => readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];

/** Where a DATA_DIR's cluster goes below `base` when the postgres user cannot enter that DATA_DIR. */
const relocatedFor = (home: string, base: string) =>
  join(base, createHash('sha256').update(realpathSync(home)).digest('hex').slice(0, 16), 'pg');

/** A pid no process has: a child that already exited. */
const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
};

// The situation of a root user whose project sits in a home directory of mode 700: PostgreSQL refuses to run as root,
// so it runs as the 'postgres' user, which cannot enter that directory. Only root can set it up (and this machine's
// tests run as root).
describe.skipIf(process.getuid?.() !== 0)('the embedded PostgreSQL started by root', () => {
  const home = mkdtempSync(join(tmpdir(), 'orderly-closed-home-')); // mode 700, like /root
  const open = mkdtempSync(join(tmpdir(), 'orderly-open-'));
  // DATA_DIR: the cluster in data/pg, the copy of the programs beside it
  const appData = join(open, 'data');
  // instead of /var/lib/orderly: where clusters out of the postgres user's reach go (mode 755, removed with `open`)
  const relocationBase = join(open, 'relocated');
  const port = 20000 + Math.floor(Math.random() * 20000);
  let programsDir: string;
  let version: string;

  beforeAll(async () => {
    chmodSync(open, 0o755);
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

  it("starts a cluster out of the postgres user's reach below the relocation base, names it in DATA_DIR, and reuses it", async () => {
    const home700 = join(home, 'project', '.data'); // DATA_DIR, inside the closed home
    const options = { dataDir: join(home700, 'pg'), port, programsDir, locationFile: join(home700, 'pg-location'), relocationBase };
    const infos: string[] = [];
    const first = await startEmbeddedPostgres({ ...options, onInfo: (m) => infos.push(m) });
    const relocated = relocatedFor(home700, relocationBase); // DATA_DIR is made by the start
    try {
      expect(infos).toEqual([`PostgreSQL's data is in ${relocated}: the postgres user it runs as cannot enter ${home} (mode 700)`]);
      expect(readFileSync(options.locationFile, 'utf8')).toBe(`${relocated}\n`);
      // the server runs, as the postgres user, on the relocated cluster, from the copy of the programs beside it
      const pid = postmasterOf(relocated);
      expect(statSync(`/proc/${pid}`).uid).toBe(serverUser()!.uid);
      expect(readlinkSync(`/proc/${pid}/exe`)).toBe(join(dirname(relocated), `postgres-${version}`, 'bin', 'postgres'));
      await queryOnce(first.url, 'create table kept (n int); insert into kept values (7)');
      // the command-line tools find it through the location file (its data_directory is DATA_DIR's cluster)
      expect(await runningEmbeddedPostgres(options)).toBe(first.url);
      expect(await runningEmbeddedPostgres({ ...options, locationFile: undefined })).toBeUndefined();
    } finally {
      await first.stop();
    }
    expect(mode(home)).toBe(0o700);
    expect(existsSync(options.dataDir)).toBe(false);
    expect([mode(dirname(relocated)), statSync(dirname(relocated)).uid]).toEqual([0o755, 0]);
    expect(statSync(relocated).uid).toBe(serverUser()!.uid);

    infos.length = 0;
    const second = await startEmbeddedPostgres({ ...options, onInfo: (m) => infos.push(m) });
    try {
      expect(await queryOnce<{ n: number }>(second.url, 'select n from kept')).toEqual([{ n: 7 }]);
      expect(infos).toEqual([`PostgreSQL's data is in ${relocated}: the postgres user it runs as cannot enter ${home} (mode 700)`]);
    } finally {
      await second.stop();
    }
    expect(readdirSync(dirname(relocated)).sort()).toEqual(['pg', `postgres-${version}`]);
    expect(mode(home)).toBe(0o700);
  });

  it('refuses a cluster already in a DATA_DIR the postgres user cannot reach, in one sentence, instead of starting an empty one', async () => {
    // a cluster made there before (by a start as another user, say): its data must not be left behind unnoticed
    const dataDir = join(home, 'earlier', '.data', 'pg');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'PG_VERSION'), '16\n');
    const locationFile = join(home, 'earlier', '.data', 'pg-location');
    const error: unknown = await startEmbeddedPostgres({ dataDir, port, programsDir, locationFile, relocationBase }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmbeddedPostgresDataUnreachable);
    expect(startupFailure(error)).toBe(
      `the embedded PostgreSQL cannot reach the cluster in ${dataDir}: a parent directory (${home}, mode 700) is closed to the ` +
        'postgres user that PostgreSQL runs as; move DATA_DIR to a directory it can reach (e.g. below /srv) and set DATA_DIR to it',
    );
    expect(existsSync(locationFile)).toBe(false);
    expect(existsSync(dirname(relocatedFor(dirname(dataDir), relocationBase)))).toBe(false);
    expect(mode(home)).toBe(0o700);
  });

  it('runs initdb and postgres from a copy beside the data when the postgres user cannot reach the programs', async () => {
    const dataDir = join(appData, 'pg');
    expect(closedDirectory(programsDir, serverUser()!)).toEqual({ dir: home, mode: 0o700 });

    const first = await startEmbeddedPostgres({ dataDir, port, programsDir });
    const copy = join(appData, `postgres-${version}`);
    try {
      const pid = postmasterOf(dataDir);
      // the server runs the copied program, as the postgres user
      expect(readlinkSync(`/proc/${pid}/exe`)).toBe(join(copy, 'bin', 'postgres'));
      expect(statSync(`/proc/${pid}`).uid).toBe(serverUser()!.uid);
      await queryOnce(first.url, 'create table kept (n int); insert into kept values (7)');
    } finally {
      await first.stop();
    }
    expect(mode(copy)).toBe(0o755);
    expect(statSync(copy).uid).toBe(0);
    expect(mode(home)).toBe(0o700);
    // nothing left of the assembly
    expect(readdirSync(appData).sort()).toEqual(['pg', `postgres-${version}`]);

    // the next start reuses the copy as it is
    const copied = statSync(join(copy, 'bin', 'postgres')).ino;
    const second = await startEmbeddedPostgres({ dataDir, port, programsDir });
    try {
      expect(await queryOnce<{ n: number }>(second.url, 'select n from kept')).toEqual([{ n: 7 }]);
    } finally {
      await second.stop();
    }
    expect(statSync(join(copy, 'bin', 'postgres')).ino).toBe(copied);
  });

  it('makes the copy again when a file of it went missing, and refuses a copy another user made', async () => {
    const copy = join(appData, `postgres-${version}`);
    const user = serverUser()!;
    unlinkSync(join(copy, 'bin', 'initdb'));
    // what a start killed while copying left behind is cleared; a copy in the making by a live start is left alone
    const abandoned = `${copy}.partial-${await deadPid()}`;
    const inTheMaking = `${copy}.partial-${process.ppid}`;
    mkdirSync(join(abandoned, 'bin'), { recursive: true });
    mkdirSync(inTheMaking);
    expect(runnablePrograms(programsDir, user, appData).initdb).toBe(join(copy, 'bin', 'initdb'));
    expect(existsSync(join(copy, 'bin', 'initdb'))).toBe(true);
    expect([existsSync(abandoned), existsSync(inTheMaking)]).toEqual([false, true]);
    rmSync(inTheMaking, { recursive: true });

    chownSync(copy, user.uid, user.gid);
    expect(() => runnablePrograms(programsDir, user, appData)).toThrow(/was not made by this user: remove it/);
  });

  it('runs the programs where they are when the postgres user can reach them', () => {
    const reachable = join(open, 'pkg');
    cpSync(join(home, 'pkg'), reachable, { recursive: true, verbatimSymlinks: true });
    expect(runnablePrograms(join(reachable, 'native'), serverUser(), appData).postgres).toBe(join(reachable, 'native', 'bin', 'postgres'));
  });
});
