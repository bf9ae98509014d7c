import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive } from './embedded-postgres-previous-run';
import { type ClosedDirectory, closedDirectory, modeText, permits, type ServerUser } from './postgres-user';

/** The programs of one PostgreSQL installation: its native directory (bin, lib, share) and the two we run. */
export type PostgresPrograms = { dir: string; initdb: string; postgres: string };

/** Names what a copy holds (each file's size, each link's target); written last, so a copy without it is unfinished. */
const MANIFEST = '.orderly-copy.json';

/** The native directory of the platform package that `embedded-postgres` installed for this machine. */
export const packagedPostgresDir = async (): Promise<string> => {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${os}-${process.arch}`)) as { postgres: string };
  return dirname(dirname(binaries.postgres));
};

const programsIn = (dir: string): PostgresPrograms => ({ dir, initdb: join(dir, 'bin', 'initdb'), postgres: join(dir, 'bin', 'postgres') });

/** The programs cannot be reached by the server's user, and no copy can be made where it could. */
export class PostgresProgramsUnreachable extends Error {
  constructor(
    readonly dir: string,
    readonly copiesDir: string,
    readonly closed: ClosedDirectory,
  ) {
    super(
      `PostgreSQL's programs in ${dir} are out of reach of the user it runs as, and so is ${copiesDir}, where they would be copied: ` +
        `${closed.dir} (mode ${modeText(closed.mode)}) is closed to it`,
    );
    this.name = 'PostgresProgramsUnreachable';
  }
}

const runnableBy = (dir: string, user: ServerUser): boolean => {
  if (closedDirectory(join(dir, 'bin'), user)) return false;
  const { initdb, postgres } = programsIn(dir);
  return [initdb, postgres].every((program) => permits(statSync(program), user, 0o1));
};

/** The package's version (from its package.json beside the native directory), else a digest of the directory's path. */
const versionOf = (dir: string): string => {
  try {
    const { version } = JSON.parse(readFileSync(join(dir, '..', 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof version === 'string' && version) return version.replace(/[^\w.-]/g, '_');
  } catch {
    // not a package: named by its place below
  }
  return createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 16);
};

type Manifest = Record<string, number | string>;

/** Every file (its size) and link (its target) under `root`, by relative path; the manifest itself left out. */
const inventory = (root: string): Manifest => {
  const entries: Manifest = {};
  for (const relative of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (relative === MANIFEST) continue;
    const stat = lstatSync(join(root, relative));
    if (stat.isSymbolicLink()) entries[relative] = readlinkSync(join(root, relative));
    else if (stat.isFile()) entries[relative] = stat.size;
  }
  return entries;
};

const ownedByUsAndClosedToOthers = (path: string): boolean => {
  const stat = lstatSync(path);
  return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
};

/**
 * A copy is reused only when it is ours (no other user could have planted programs in it) and whole: every file of
 * its manifest is there at its size (one removed or cut short by hand, or by a restore, is noticed).
 */
const isWholeCopy = (copy: string): boolean => {
  if (!existsSync(join(copy, MANIFEST)) || !ownedByUsAndClosedToOthers(copy)) return false;
  try {
    const manifest = JSON.parse(readFileSync(join(copy, MANIFEST), 'utf8')) as Manifest;
    const found = inventory(copy);
    return Object.keys(manifest).length > 0 && Object.entries(manifest).every(([path, expected]) => found[path] === expected);
  } catch {
    return false;
  }
};

/** Opens the copy to every user (directories and programs 755, other files 644) whatever umask the package was installed with. */
const openToAll = (root: string): void => {
  for (const relative of ['', ...readdirSync(root, { recursive: true, encoding: 'utf8' })]) {
    const path = join(root, relative);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    chmodSync(path, stat.isDirectory() || (stat.mode & 0o111) !== 0 ? 0o755 : 0o644);
  }
};

/** The name of a copy: by the package's version, so an upgraded package is copied again. */
const copyName = (dir: string): string => `postgres-${versionOf(dir)}`;

/** `postgres-<version>.partial-<pid>`: where the process `pid` assembles a copy before renaming it into place. */
const STAGING = /^postgres-.+\.partial-(\d+)$/;

/** Removes what starts killed while copying left behind (a staging directory whose process is gone): tens of MB each. */
const removeAbandonedStaging = (copiesDir: string): void => {
  for (const name of readdirSync(copiesDir)) {
    const pid = STAGING.exec(name)?.[1];
    if (pid && !isAlive(Number(pid))) rmSync(join(copiesDir, name), { recursive: true, force: true });
  }
};

/**
 * A copy of `dir` in `copiesDir` named by its version, made once and reused. It is assembled under a name of its own
 * (with this process's pid) and renamed into place whole, so two starts at once never see half a copy: the one that
 * renames second drops its own and uses the first's.
 */
const reachableCopy = (dir: string, copiesDir: string): string => {
  const copy = join(copiesDir, copyName(dir));
  if (isWholeCopy(copy)) return copy;
  if (existsSync(copy)) {
    if (!ownedByUsAndClosedToOthers(copy)) {
      throw new Error(`${copy} is in the way of PostgreSQL's programs and was not made by this user: remove it`);
    }
    rmSync(copy, { recursive: true, force: true });
  }
  removeAbandonedStaging(copiesDir);
  const staging = `${copy}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging, { mode: 0o700 });
    cpSync(dir, staging, { recursive: true, verbatimSymlinks: true });
    openToAll(staging);
    writeFileSync(join(staging, MANIFEST), JSON.stringify(inventory(staging)), { mode: 0o644 });
    renameSync(staging, copy);
    return copy;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (isWholeCopy(copy)) return copy;
    throw error;
  }
};

/**
 * The PostgreSQL programs to run. As root the server runs as `user`, which may not reach `dir` (a project under a
 * home directory of mode 700 holds the package): then a copy of `dir` it can reach is kept in `copiesDir` and run
 * from there. That is the directory of the cluster (DATA_DIR, or where root's cluster was relocated): the server's
 * user reaches it already, and unlike the temporary directory it is not mounted `noexec` in hardened containers nor
 * emptied by cleaners under a running server.
 */
export const runnablePrograms = (dir: string, user: ServerUser | undefined, copiesDir: string): PostgresPrograms => {
  if (!user || runnableBy(dir, user)) return programsIn(dir);
  const closed = closedDirectory(copiesDir, user);
  if (closed) throw new PostgresProgramsUnreachable(dir, copiesDir, closed);
  mkdirSync(copiesDir, { recursive: true });
  return programsIn(reachableCopy(dir, copiesDir));
};
