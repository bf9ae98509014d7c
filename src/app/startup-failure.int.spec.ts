import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, MAIN, ROOT } from '../../test/support/processes';
import { startupFailure } from './startup-failure';
import { trialListen } from '../platform/trial-listen';

/** Another program on the port: a plain TCP server on 127.0.0.1. */
const occupy = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

/** Runs the built monolith until it exits (bounded: it must fail fast); what it printed and its exit code. */
const runMain = (env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', MESSAGE_BUS: 'in-process', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app did not exit: ${stdout}${stderr}`));
    }, 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

describe('a start that cannot succeed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-startup-'));
  chmodSync(dir, 0o755); // the postgres user must reach it when the tests run as root
  const servers: Server[] = [];
  let httpPort: number;
  let pgPort: number;

  beforeAll(async () => {
    ensureBuilt();
    [httpPort, pgPort] = [await freePort(), await freePort()];
    servers.push(await occupy(httpPort), await occupy(pgPort));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is told in one sentence when the HTTP port is taken', async () => {
    const error: unknown = await trialListen(httpPort, '127.0.0.1').catch((e: unknown) => e);
    expect(startupFailure(error, { PORT: httpPort })).toBe(
      `127.0.0.1:${httpPort} (PORT) is taken by another program; stop it, or set PORT to a free port`,
    );

    const { code, stdout, stderr } = await runMain({ PORT: String(httpPort), DATA_DIR: join(dir, 'http') });
    expect(stdout).not.toMatch(/\n\s+at /); // no stack trace
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: `orderly: 127.0.0.1:${httpPort} (PORT) is taken by another program; stop it, or set PORT to a free port\n`,
    });
  });

  it('is told in one sentence when METRICS_PORT is set and taken, before the database starts', async () => {
    const dataDir = join(dir, 'metrics-port');
    const { code, stdout, stderr } = await runMain({ PORT: String(await freePort()), DATA_DIR: dataDir, METRICS_PORT: String(httpPort) });
    expect(stdout).not.toMatch(/\n\s+at /); // no stack trace
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: `orderly: 127.0.0.1:${httpPort} (METRICS_PORT) is taken by another program; stop it, or set METRICS_PORT to a free port\n`,
    });
    expect(existsSync(join(dataDir, 'pg'))).toBe(false);
  });

  it('is told in one sentence when EMBEDDED_PG_PORT is set and taken', async () => {
    const { code, stdout, stderr } = await runMain({
      PORT: String(await freePort()),
      DATA_DIR: join(dir, 'pg-port'),
      EMBEDDED_PG_PORT: String(pgPort),
    });
    expect(stdout).not.toMatch(/\n\s+at /); // no stack trace
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr:
        `orderly: port ${pgPort} of the embedded PostgreSQL is taken by another program (EMBEDDED_PG_PORT); ` +
        'set EMBEDDED_PG_PORT to a free port, or leave it unset to let Orderly pick one\n',
    });
  });

  // (a new DATA_DIR there starts, its cluster relocated: embedded-postgres-root.int.spec.ts, which keeps out of /var/lib)
  it.skipIf(process.getuid?.() !== 0)(
    'is told in one sentence, as root, when DATA_DIR holds a cluster the postgres user cannot reach',
    async () => {
      const closed = join(dir, 'closed');
      mkdirSync(join(closed, 'data', 'pg'), { recursive: true });
      chmodSync(closed, 0o700);
      writeFileSync(join(closed, 'data', 'pg', 'PG_VERSION'), '16\n'); // a cluster made there before
      const { code, stdout, stderr } = await runMain({ PORT: String(await freePort()), DATA_DIR: join(closed, 'data') });
      expect(stdout).not.toMatch(/\n\s+at /); // no stack trace
      expect({ code, stderr }).toEqual({
        code: 1,
        stderr:
          `orderly: the embedded PostgreSQL cannot reach the cluster in ${join(closed, 'data', 'pg')}: a parent directory (${closed}, ` +
          'mode 700) is closed to the postgres user that PostgreSQL runs as; move DATA_DIR to a directory it can reach (e.g. below /srv) ' +
          'and set DATA_DIR to it\n',
      });
      expect(existsSync(join(closed, 'data', 'pg-location'))).toBe(false);
    },
  );
});
