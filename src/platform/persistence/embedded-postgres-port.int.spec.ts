import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startupFailure } from '../../app/startup-failure';
import { runningEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { isPortFree } from '../trial-listen';
import { choosePort, EmbeddedPostgresPortTaken } from './embedded-postgres-port';
import { embeddedPostgresOptions } from './embedded-postgres-settings';

const databaseName = async (url: string): Promise<string> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ db: string }>('select current_database() as db')).rows[0].db;
  } finally {
    await client.end();
  }
};

/** Another program on the port: a plain TCP server on 127.0.0.1. */
const occupy = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const release = (server: Server) => new Promise((resolve) => server.close(resolve));

/** A port with a free neighbour range after it, picked at random so parallel runs do not meet. */
const somePort = () => 20000 + Math.floor(Math.random() * 20000);

describe('the embedded PostgreSQL on a taken port', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-pg-port-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map(release));
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a free port when the default one is taken, remembers it, and a restart and the tools use it', async () => {
    const dataDir = join(dir, 'app');
    const defaultPort = somePort();
    servers.push(await occupy(defaultPort));
    const options = embeddedPostgresOptions({ dataDir, embeddedPgPort: defaultPort });
    const notices: string[] = [];

    const first = await startEmbeddedPostgres({ ...options, onNotice: (m) => notices.push(m) });
    const chosen = first.port;
    try {
      expect(chosen).not.toBe(defaultPort);
      expect(readFileSync(join(dataDir, 'pg-port'), 'utf8')).toBe(`${chosen}\n`);
      expect(notices).toEqual([
        `port ${defaultPort} of the embedded PostgreSQL is taken: it runs on ${chosen}, remembered in ${join(dataDir, 'pg-port')}`,
      ]);
      expect(await databaseName(first.url)).toBe('orderly');
      // a command-line tool finds it on the remembered port
      expect(await runningEmbeddedPostgres(options)).toBe(first.url);
    } finally {
      await first.stop();
    }
    expect(await runningEmbeddedPostgres(options)).toBeUndefined();

    // the next start of the same copy uses the remembered port, quietly, even once the default is free again
    await release(servers.pop()!);
    const second = await startEmbeddedPostgres({ ...options, onNotice: (m) => notices.push(m) });
    try {
      expect(second.port).toBe(chosen);
      expect(notices).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('refuses a port that was set explicitly and is taken, before initialising anything', async () => {
    const dataDir = join(dir, 'explicit');
    const port = somePort();
    servers.push(await occupy(port));
    const options = embeddedPostgresOptions({ dataDir, embeddedPgPort: port, embeddedPgPortFixed: true });
    expect(options.portFile).toBeUndefined();

    const error: unknown = await startEmbeddedPostgres(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedPostgresPortTaken);
    expect(startupFailure(error)).toBe(
      `port ${port} of the embedded PostgreSQL is taken by another program (EMBEDDED_PG_PORT); ` +
        'set EMBEDDED_PG_PORT to a free port, or leave it unset to let Orderly pick one',
    );
    expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(false);
    expect(existsSync(join(dataDir, 'pg-port'))).toBe(false);
  });

  it('does not take a server that serves other data for the running one', async () => {
    const port = somePort();
    const running = await startEmbeddedPostgres({ dataDir: join(dir, 'app', 'pg'), port });
    try {
      expect(await runningEmbeddedPostgres({ dataDir: join(dir, 'app', 'pg'), port })).toBe(running.url);
      expect(await runningEmbeddedPostgres({ dataDir: join(dir, 'other', 'pg'), port })).toBeUndefined();
    } finally {
      await running.stop();
    }
  });

  it('chooses: the remembered port, else the preferred one; the next free one after a taken one, remembered', async () => {
    const portFile = join(dir, 'choice', 'pg-port');
    const preferred = somePort();
    expect(await choosePort(preferred, portFile)).toEqual({ port: preferred });
    expect(existsSync(portFile)).toBe(false);

    servers.push(await occupy(preferred));
    const next = await choosePort(preferred, portFile);
    expect(next.instead).toBe(preferred);
    expect(next.port).toBeGreaterThan(preferred);
    expect(await isPortFree(next.port)).toBe(true);
    expect(await choosePort(preferred, portFile)).toEqual({ port: next.port });

    // a start on the remembered port just failed (another start was quicker): the one after it
    const after = await choosePort(preferred, portFile, [next.port]);
    expect(after.instead).toBe(next.port);
    expect(readFileSync(portFile, 'utf8')).toBe(`${after.port}\n`);

    writeFileSync(portFile, 'not a port\n');
    expect((await choosePort(preferred, portFile)).instead).toBe(preferred);
  });
});
