import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemAccountCommands } from './postgres-user';

const hasUseradd = (): boolean => {
  try {
    execFileSync('useradd', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

// The commands run for real, as root, but on a copy of this machine's account files (`--prefix`): no account is made.
describe.skipIf(process.getuid?.() !== 0 || !hasUseradd())('the postgres system account', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'orderly-accounts-'));
  afterAll(() => rmSync(prefix, { recursive: true, force: true }));

  it('is a system account with a group of its own, no home directory and no login shell', () => {
    mkdirSync(join(prefix, 'etc'));
    for (const file of ['passwd', 'group', 'shadow', 'gshadow']) {
      if (existsSync(join('/etc', file))) copyFileSync(join('/etc', file), join(prefix, 'etc', file));
    }
    const name = 'orderly-probe';
    // twice: the group is there the second time, and groupadd lets it be (useradd's second run is not asked for)
    for (const [program, args] of [...systemAccountCommands(name).slice(0, 1), ...systemAccountCommands(name)]) {
      execFileSync(program, [...args.slice(0, -1), '--prefix', prefix, name], { stdio: 'pipe' });
    }

    const entry = (file: string) =>
      readFileSync(join(prefix, 'etc', file), 'utf8')
        .split('\n')
        .find((line) => line.startsWith(`${name}:`))
        ?.split(':');
    const [, , uid, gid, , home, shell] = entry('passwd')!;
    const defs = existsSync('/etc/login.defs') ? readFileSync('/etc/login.defs', 'utf8') : '';
    const firstUserUid = Number(/^UID_MIN\s+(\d+)/m.exec(defs)?.[1] ?? 1000);
    expect(Number(uid)).toBeLessThan(firstUserUid);
    expect(gid).toBe(entry('group')![2]);
    expect(home).toBe('/nonexistent');
    expect(existsSync(home)).toBe(false);
    expect(shell).toMatch(/\/(nologin|false)$/);
  });
});
