import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { type ClosedDirectory, closedDirectory, modeText, type ServerUser } from './postgres-user';

/** Where root's clusters go when the server's user cannot reach DATA_DIR: one directory per DATA_DIR below it. */
export const RELOCATION_BASE = '/var/lib/orderly';

/** As root, the server's user cannot reach a cluster that is already there (made before, e.g. by another user): its data is not moved. */
export class EmbeddedPostgresDataUnreachable extends Error {
  constructor(
    readonly dataDir: string,
    readonly user: string,
    readonly closed: ClosedDirectory,
  ) {
    super(
      `the embedded PostgreSQL cannot reach the cluster in ${dataDir}: a parent directory (${closed.dir}, mode ${modeText(closed.mode)}) ` +
        `is closed to the ${user} user that PostgreSQL runs as`,
    );
    this.name = 'EmbeddedPostgresDataUnreachable';
  }
}

/** A directory where a relocated cluster would go is not root's alone: another user could swap what is in it. */
export class ClusterPlaceNotOurs extends Error {
  constructor(readonly dir: string) {
    super(`${dir} is in the way of the embedded PostgreSQL's data and was not made by this user (or others may write to it): remove it`);
    this.name = 'ClusterPlaceNotOurs';
  }
}

export type ClusterPlace = {
  /** the cluster's data directory */
  dataDir: string;
  /** set when it is not where it was asked for: one line for the person starting it, saying where and why */
  relocation?: string;
};

/** The cluster directory a location file names (an absolute path on its first line), if there is one. */
export const recordedCluster = (locationFile: string | undefined): string | undefined => {
  if (!locationFile || !existsSync(locationFile)) return undefined;
  const dir = readFileSync(locationFile, 'utf8').split('\n')[0].trim();
  return isAbsolute(dir) ? dir : undefined;
};

// written whole under another name, then renamed: a reader never sees half a path
const record = (locationFile: string, dataDir: string): void => {
  const staging = `${locationFile}.${process.pid}`;
  writeFileSync(staging, `${dataDir}\n`, { mode: 0o644 });
  renameSync(staging, locationFile);
};

/** Owned by this process's user (root), a real directory (not a link) and closed to other writers. */
const isOurs = (dir: string): boolean => {
  const stat = lstatSync(dir);
  return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
};

/** `dir` made (mode 755, whatever the umask) or found as root's own, reachable by `user`; a refusal otherwise. */
const ownDirectory = (dir: string, user: ServerUser): void => {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
  }
  if (!isOurs(dir) || closedDirectory(dir, user)) throw new ClusterPlaceNotOurs(dir);
};

/** Whether root may make directories in `base` (a read-only /var/lib in an immutable image may not), which the server's user can reach. */
const usableBase = (base: string, user: ServerUser): boolean => {
  try {
    if (!existsSync(base)) {
      mkdirSync(base, { recursive: true });
      chmodSync(base, 0o755);
    }
    accessSync(base, constants.W_OK);
    return !closedDirectory(base, user);
  } catch {
    return false;
  }
};

/** `<base>/<first 16 hex digits of sha256(realpath(home))>/pg`: the same directory for the same DATA_DIR, on every start. */
const relocatedCluster = (home: string, base: string, name: string): string =>
  join(base, createHash('sha256').update(realpathSync(home)).digest('hex').slice(0, 16), name);

export type ClusterPlaceRequest = {
  /** the cluster's directory as asked for: DATA_DIR/pg */
  dataDir: string;
  /** as root: the user the server runs as (undefined: this process's own user, and the cluster stays where asked) */
  user?: ServerUser;
  /** where a relocation is recorded (DATA_DIR/pg-location); without it, a cluster out of reach is refused instead */
  locationFile?: string;
  /** the directory relocated clusters go below (default /var/lib/orderly; the temporary directory when that is not writable) */
  relocationBase?: string;
};

/**
 * Where the cluster lives. Where a location file says, once a start relocated it; else where it was asked for,
 * when the server's user can reach it (or we are not root). As root, when that user cannot enter DATA_DIR (a project
 * under /root, mode 700) and there is no cluster there yet, in `<relocationBase>/<digest of DATA_DIR>/pg` (root's,
 * mode 755; the cluster inside the server user's), recorded in the location file for the next start and the
 * command-line tools. A cluster already in DATA_DIR that the server cannot reach is refused: it holds data that an
 * empty cluster elsewhere must not replace unnoticed.
 */
export const clusterPlace = ({ dataDir, user, locationFile, relocationBase }: ClusterPlaceRequest): ClusterPlace => {
  const home = dirname(dataDir);
  if (!user) {
    const recorded = recordedCluster(locationFile);
    return recorded ? { dataDir: recorded, relocation: `PostgreSQL's data is in ${recorded}, as ${locationFile} records` } : { dataDir };
  }
  mkdirSync(home, { recursive: true });
  const closed = closedDirectory(home, user);
  const why = closed
    ? `: the ${user.name} user it runs as cannot enter ${closed.dir} (mode ${modeText(closed.mode)})`
    : `, as ${locationFile} records`;
  const recorded = recordedCluster(locationFile);
  if (recorded) {
    ownDirectory(dirname(recorded), user);
    return { dataDir: recorded, relocation: `PostgreSQL's data is in ${recorded}${why}` };
  }
  if (!closed) return { dataDir };
  if (!locationFile || (existsSync(dataDir) && readdirSync(dataDir).length > 0)) {
    throw new EmbeddedPostgresDataUnreachable(dataDir, user.name, closed);
  }
  const preferred = relocationBase ?? RELOCATION_BASE;
  const fallback = join(tmpdir(), 'orderly');
  const base = usableBase(preferred, user) ? preferred : usableBase(fallback, user) ? fallback : undefined;
  if (!base) throw new EmbeddedPostgresDataUnreachable(dataDir, user.name, closed);
  ownDirectory(base, user);
  const relocated = relocatedCluster(home, base, basename(dataDir));
  ownDirectory(dirname(relocated), user);
  record(locationFile, relocated);
  const temporary = base === preferred ? '' : ` (${preferred} is not writable, so a temporary directory, which cleaners may empty)`;
  return { dataDir: relocated, relocation: `PostgreSQL's data is in ${relocated}${temporary}${why}` };
};
