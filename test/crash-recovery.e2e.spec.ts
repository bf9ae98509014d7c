import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { PgDatabase } from '../src/platform/persistence/pg.database';
import { newId } from '../src/shared-kernel/ids';
import { freshDatabase } from './support/db';
import { deliveryViolations, invariantViolations, settle, until } from './support/invariants';

/**
 * R3 and R4 with real processes: the built monolith (`node dist/app/monolith.main.js`) is killed with SIGKILL in the
 * middle of a checkout and started again on the same database; the checkout then finishes, and the database shows no
 * event lost or applied twice, stock reserved once and money captured once.
 *
 * `npm test` builds first; run alone (`npx vitest run test/crash-recovery.e2e.spec.ts`), this file builds dist itself
 * when it is missing or older than a source file.
 */

const ROOT = process.cwd();
const MAIN = join(ROOT, 'dist', 'app', 'monolith.main.js');
const JWT_SECRET = 'crash-test-secret-of-at-least-32-characters';
const ADMIN = { email: 'crash-admin@example.com', password: 'crash admin password' };
const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
/** Long enough that the process is always killed inside it; the provider timeout stays above it. */
const SANDBOX_LATENCY_MS = 30_000;

const newestSource = (dir: string): number =>
  Math.max(
    0,
    ...readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
      .map((file) => statSync(join(dir, file)).mtimeMs),
  );

const ensureBuilt = () => {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

type Instance = { child: ChildProcess; base: string; exited: Promise<void> };
const children = new Set<ChildProcess>();
const output: string[] = [];

/** Starts the monolith on the database and waits until it answers HTTP (bounded). */
const startApp = async (databaseUrl: string, env: Record<string, string> = {}): Promise<Instance> => {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      DATABASE_URL: databaseUrl,
      JWT_SECRET,
      HOST: '127.0.0.1',
      PORT: String(port),
      ORDERLY_ADMIN_EMAIL: ADMIN.email,
      ORDERLY_ADMIN_PASSWORD: ADMIN.password,
      MESSAGE_BUS: 'in-process',
      DB_POOL_SIZE: '8',
      LOG_LEVEL: 'warn',
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

const kill9 = async (instance: Instance) => {
  instance.child.kill('SIGKILL');
  await instance.exited;
};

type Reply = { status: number; body: Record<string, unknown>; headers: Headers };
const call = async (
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

const login = async (instance: Instance, email: string, password: string): Promise<string> => {
  const res = await call(instance, 'POST', '/auth/login', { body: { email, password } });
  expect(res.status).toBe(200);
  return res.body.accessToken as string;
};

const newCustomer = async (instance: Instance): Promise<{ id: string; token: string }> => {
  const email = `crash-${newId()}@example.com`;
  const registered = await call(instance, 'POST', '/auth/register', { body: { email, password: 'customer password', name: 'Crash' } });
  expect(registered.status).toBe(201);
  return { id: registered.body.id as string, token: await login(instance, email, 'customer password') };
};

describe('crash recovery with real processes (e2e)', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let db: PgDatabase;

  beforeAll(async () => {
    ensureBuilt();
    fresh = await freshDatabase();
    db = new PgDatabase(fresh.url, { max: 2 });
  });
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    await db?.close();
    await fresh?.drop();
  });

  const types = async (stream: string) =>
    (await db.query<{ type: string }>('select type from es.events where stream = $1 order by version', [stream])).rows.map((r) => r.type);
  const ledger = async (orderId: string) =>
    (
      await db.query<{ state: string; provider_ref: string; amount: string; captured: string; refunded: string }>(
        'select state, provider_ref, amount, captured, refunded from payment_sandbox.payments where payment_id = $1',
        [orderId],
      )
    ).rows;
  const waitTerminal = async (instance: Instance, token: string, orderId: string) =>
    until('the order to end', async () => {
      const order = await call(instance, 'GET', `/orders/${orderId}`, { token });
      return order.body.status !== 'placed' && order.body;
    });

  it('a checkout killed between "stock reserved" and "payment authorized", and one killed right after its 202, both complete after a restart', async () => {
    onTestFailed(() => console.error(`app output:\n${output.slice(-80).join('\n')}`));

    // 1. first process: the sandbox provider records each authorization and answers it only after SANDBOX_LATENCY_MS
    const first = await startApp(fresh.url, {
      PAYMENT_SANDBOX_LATENCY_MS: String(SANDBOX_LATENCY_MS),
      PAYMENT_PROVIDER_TIMEOUT_MS: String(2 * SANDBOX_LATENCY_MS),
    });
    const admin = await login(first, ADMIN.email, ADMIN.password);
    expect((await call(first, 'POST', '/categories', { token: admin, body: { slug: 'crash', name: 'Crash' } })).status).toBe(201);
    const skus = [`CRASH-A-${newId().slice(-8)}`, `CRASH-B-${newId().slice(-8)}`];
    for (const [i, sku] of skus.entries()) {
      const body = { sku, name: `Item ${sku}`, category: 'crash', price: { amount: 1000 + i * 500, currency: 'EUR' } };
      expect((await call(first, 'POST', '/products', { token: admin, body, key: newId() })).status).toBe(201);
      expect((await call(first, 'PUT', `/inventory/${sku}`, { token: admin, body: { onHand: 10 }, key: newId() })).status).toBe(200);
    }
    const buyer = await newCustomer(first);
    for (const [i, sku] of skus.entries())
      expect((await call(first, 'POST', '/cart/items', { token: buyer.token, body: { sku, quantity: i + 1 } })).status).toBe(200);
    const placed = await call(first, 'POST', '/checkout', {
      token: buyer.token,
      key: newId(),
      body: { paymentToken: 'tok_approve', shippingAddress: address },
    });
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;

    // the stock is reserved and the provider has authorized, but payment has not recorded the authorization yet
    const [authorization] = await until('the authorization at the provider', () => ledger(orderId).then((rows) => rows.length > 0 && rows));
    await kill9(first);
    expect(await types(`inventory.reservation-${orderId}`)).toEqual(['StockReservationConfirmed']);
    expect(await types(`payment.payment-${orderId}`)).toEqual([]);
    expect(await types(`ordering.checkout-${orderId}`)).toEqual([
      'CheckoutStarted',
      'StockReservationRequested',
      'PaymentAuthorizationRequested',
    ]);
    expect(authorization).toMatchObject({ state: 'authorized', captured: '0' });

    // 2. second process, no latency: the authorization request is delivered again and the checkout completes
    const second = await startApp(fresh.url);
    expect(await waitTerminal(second, buyer.token, orderId)).toMatchObject({ status: 'confirmed', total: { amount: 1000 + 2 * 1500 } });
    await settle(db);
    // the provider was asked again for the same payment and answered from its ledger: one authorization, one capture
    expect(await ledger(orderId)).toEqual([{ ...authorization, state: 'captured', captured: authorization.amount }]);
    expect(await types(`payment.payment-${orderId}`)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    expect(await types(`ordering.checkout-${orderId}`)).toEqual([
      'CheckoutStarted',
      'StockReservationRequested',
      'PaymentAuthorizationRequested',
      'PaymentCaptureRequested',
      'CheckoutCompleted',
    ]);
    for (const [i, sku] of skus.entries())
      expect((await call(second, 'GET', `/inventory/${sku}`, { token: admin })).body).toEqual({
        sku,
        onHand: 10,
        reserved: i + 1,
        available: 9 - i,
      });

    // 3. killed right after the 202: whatever had run, a restart finishes the checkout, and the client's retry with
    // the same Idempotency-Key (it may not have seen the answer) replays the stored 202 instead of ordering again
    const late = await newCustomer(second);
    expect((await call(second, 'POST', '/cart/items', { token: late.token, body: { sku: skus[0], quantity: 3 } })).status).toBe(200);
    const key = newId();
    const request = { token: late.token, key, body: { paymentToken: 'tok_approve', shippingAddress: address } };
    const accepted = await call(second, 'POST', '/checkout', request);
    await kill9(second);
    expect(accepted.status).toBe(202);
    const lateOrderId = accepted.body.orderId as string;

    const third = await startApp(fresh.url);
    const retried = await call(third, 'POST', '/checkout', request);
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ orderId: lateOrderId });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(await waitTerminal(third, late.token, lateOrderId)).toMatchObject({ status: 'confirmed', total: { amount: 3 * 1000 } });
    await settle(db);
    expect((await call(third, 'GET', '/orders', { token: late.token })).body.items).toHaveLength(1);
    expect(await ledger(lateOrderId)).toMatchObject([{ state: 'captured', captured: '3000' }]);
    expect((await call(third, 'GET', `/inventory/${skus[0]}`, { token: admin })).body).toMatchObject({ onHand: 10, reserved: 4 });

    // 4. the whole store: contiguous streams, unique event ids, every message applied exactly once, nothing dead-lettered,
    // stock never negative and reserved once per order, money captured once and equal to the confirmed totals
    expect(await invariantViolations(db)).toEqual([]);
    expect(await deliveryViolations(db)).toEqual([]);
    const { rows: dead } = await db.query('select * from es.dead_letters');
    expect(dead).toEqual([]);
  });
});
