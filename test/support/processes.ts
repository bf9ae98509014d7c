import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { newId } from '../../src/shared-kernel/ids';
import { until } from './invariants';

/**
 * The built monolith (`node dist/app/monolith.main.js`) as a real process on a database of the test's, for tests that
 * kill or stop it. `npm test` builds first; a file run alone builds dist when it is older than a source file.
 */
export const ROOT = process.cwd();
export const MAIN = join(ROOT, 'dist', 'app', 'monolith.main.js');
export const JWT_SECRET = 'crash-test-secret-of-at-least-32-characters';
export const ADMIN = { email: 'crash-admin@example.com', password: 'crash admin password' };

const newestSource = (dir: string): number =>
  Math.max(
    0,
    ...readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => (file.endsWith('.ts') && !file.endsWith('.spec.ts')) || file.endsWith('.proto'))
      .map((file) => statSync(join(dir, file)).mtimeMs),
  );

export const ensureBuilt = () => {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  // the build script's second step: the gRPC facades load their .proto files next to the compiled code
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'copy-protos.mjs')], { cwd: ROOT, stdio: 'pipe' });
};

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export type Instance = { child: ChildProcess; base: string; exited: Promise<void> };
/** every process started, so a test's afterAll can stop them all */
export const children = new Set<ChildProcess>();
/** what the processes printed, for a failing test to show */
export const output: string[] = [];

/** Starts the monolith on the database (or, without one, on the embedded PostgreSQL) and waits until it answers HTTP (bounded). */
export const startApp = async (
  databaseUrl: string | undefined,
  env: Record<string, string> = {},
  { ownProcessGroup = false }: { ownProcessGroup?: boolean } = {},
): Promise<Instance> => {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // like a shell's foreground job: a signal to the group (Ctrl-C) reaches the app and everything it started
    detached: ownProcessGroup,
    env: {
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      JWT_SECRET,
      HOST: '127.0.0.1',
      PORT: String(port),
      ORDERLY_ADMIN_EMAIL: ADMIN.email,
      ORDERLY_ADMIN_PASSWORD: ADMIN.password,
      MESSAGE_BUS: 'in-process',
      DB_POOL_SIZE: '8',
      LOG_LEVEL: 'warn',
      // the tests drive many customers from 127.0.0.1; the limits have suites of their own
      RATE_LIMITS: 'off',
      // several instances run at once: each scrape endpoint on a free port
      METRICS_PORT: '0',
      ...env,
    },
  });
  children.add(child);
  const record = (chunk: Buffer) =>
    output.push(
      ...chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((line) => `[${child.pid}] ${line}`),
    );
  child.stdout!.on('data', record);
  child.stderr!.on('data', record);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}/api/v1`;
  await until(
    'the app to answer',
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the app exited (${child.exitCode ?? child.signalCode})`);
      return fetch(`${base}/categories`).then(
        (res) => res.ok,
        () => false,
      );
    },
    60_000,
    100,
  );
  return { child, base, exited };
};

export const kill9 = async (instance: Instance) => {
  instance.child.kill('SIGKILL');
  await instance.exited;
};

export type Reply = { status: number; body: Record<string, unknown>; headers: Headers };
export const call = async (
  instance: Instance,
  method: string,
  path: string,
  { token, body, key }: { token?: string; body?: unknown; key?: string } = {},
): Promise<Reply> => {
  const res = await fetch(`${instance.base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
};

export const login = async (instance: Instance, email: string, password: string): Promise<string> => {
  const res = await call(instance, 'POST', '/auth/login', { body: { email, password } });
  expect(res.status).toBe(200);
  return res.body.accessToken as string;
};

export const newCustomer = async (instance: Instance): Promise<{ id: string; token: string }> => {
  const email = `crash-${newId()}@example.com`;
  const registered = await call(instance, 'POST', '/auth/register', { body: { email, password: 'customer password', name: 'Crash' } });
  expect(registered.status).toBe(201);
  return { id: registered.body.id as string, token: await login(instance, email, 'customer password') };
};

/** Stops every process still running (SIGKILL): for afterAll. */
export const killAll = async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
};
