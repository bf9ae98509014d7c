import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../src/shared-kernel/clock';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';
import { available, BACKEND_URLS } from './support/backends';
import { until } from './support/invariants';
import { freePort } from './support/processes';
import { type ReplicatedPostgres, rowsOn, startReplicatedPostgres, systemPostgresDir } from './support/replicated-postgres';

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
/** A read that falls back to the primary waits at most the replica's connect timeout (1 s), plus the read itself. */
const FALLBACK_READ_MS = 3_000;

describe.skipIf(!systemPostgresDir())('reads from a streaming replica (e2e, a primary and a replica of its own)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-replica-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  let log = '';
  let pg: ReplicatedPostgres | undefined;
  let t: TestApp;
  let admin: LoggedIn;

  const createProduct = async (price = 1250) => {
    const sku = `MUG-${newId().slice(-12)}`;
    const body = { sku, name: `Mug ${sku}`, category: 'mugs', price: { amount: price, currency: 'EUR' } };
    const created = await t.inject('POST', '/api/v1/products', { token: admin.token, body });
    expect(created.statusCode, created.body).toBe(201);
    return { id: created.json<{ id: string }>().id, sku };
  };
  const productStatus = async (id: string, token?: string) => (await t.inject('GET', `/api/v1/products/${id}`, { token })).statusCode;
  const orderHistory = async (token: string) => {
    const res = await t.inject('GET', '/api/v1/orders', { token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: { id: string }[] }>().items.map((order) => order.id);
  };

  beforeAll(async () => {
    try {
      pg = await startReplicatedPostgres(dir, { primary: await freePort(), replica: await freePort() }, (text) => void (log += text));
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${log.slice(-3000)}`, { cause: error });
    }
    t = await bootTestApp({
      databaseUrl: pg.primaryUrl,
      env: { DATABASE_READ_URL: pg.replicaUrl },
      clock: new SystemClock(),
      background: true,
    });
    admin = await t.registerAndLogin('admin');
    expect((await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } })).statusCode).toBe(
      201,
    );
    const free = { code: 'free', name: 'Free', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: free })).statusCode).toBe(201);
    await pg.caughtUp();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves anonymous catalog reads from the replica and staff from the primary; they converge once replay resumes', async () => {
    await pg!.pauseReplay();
    const { id } = await createProduct();

    expect(await productStatus(id), 'anonymous, from the paused replica').toBe(404);
    expect(await productStatus(id, admin.token), 'staff, from the primary').toBe(200);
    const summary = await t.inject('GET', '/api/v1/analytics/summary', { token: admin.token });
    expect(summary.statusCode, summary.body).toBe(200);

    await pg!.resumeReplay();
    await until('the replica to show the product', async () => (await productStatus(id)) === 200, 20_000);
  });

  it("shows a customer their own order right after checkout while the replica lags, and others the replica's state", async () => {
    const { id, sku } = await createProduct(990);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand: 10 } })).statusCode).toBe(200);
    // the cart takes only what the catalog shows available, and the catalog learns of the stock through its subscriber
    await until(`product ${id} to show its stock`, async () => {
      const res = await t.inject('GET', `/api/v1/products/${id}`);
      return res.statusCode === 200 && res.json<{ availableStock: number }>().availableStock > 0;
    });
    const customer = await t.registerAndLogin('customer');
    const added = await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 1 } });
    expect(added.statusCode, added.body).toBe(200);

    await pg!.pauseReplay();
    const checkout = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'free' },
    });
    expect(checkout.statusCode, checkout.body).toBe(202);
    const { orderId } = checkout.json<{ orderId: string }>();

    expect(await orderHistory(customer.token), 'their own write, from the primary').toContain(orderId);
    const onReplica = await rowsOn(pg!.replicaUrl, 'select id from ordering.orders where id = $1', [orderId]);
    expect(onReplica, 'the replica has not replayed the order').toEqual([]);
    const later = await createProduct();
    expect(await productStatus(later.id), "an anonymous reader sees the replica's older catalog").toBe(404);
    const someoneElse = await t.registerAndLogin('customer');
    expect(await orderHistory(someoneElse.token)).toEqual([]);

    await pg!.resumeReplay();
    await until('the replica to show the later product', async () => (await productStatus(later.id)) === 200, 20_000);
    await pg!.caughtUp();
    expect(await rowsOn(pg!.replicaUrl, 'select id from ordering.orders where id = $1', [orderId])).toEqual([{ id: orderId }]);
    expect(await orderHistory(customer.token)).toContain(orderId);
  });

  it.skipIf(!available('redis') && process.env.CI !== 'true')(
    'with Redis, shows a customer the order they placed through one instance in the history another instance serves',
    async () => {
      const env = { DATABASE_READ_URL: pg!.replicaUrl, REDIS_URL: BACKEND_URLS.redis, REDIS_KEY_PREFIX: `test-${newId()}:` };
      const [one, other] = [
        await bootTestApp({ databaseUrl: pg!.primaryUrl, env, clock: new SystemClock() }),
        await bootTestApp({ databaseUrl: pg!.primaryUrl, env, clock: new SystemClock() }),
      ];
      try {
        const { id, sku } = await createProduct(790);
        expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand: 10 } })).statusCode).toBe(200);
        await until(`product ${id} to show its stock`, async () => {
          const res = await t.inject('GET', `/api/v1/products/${id}`, { token: admin.token });
          return res.statusCode === 200 && res.json<{ availableStock: number }>().availableStock > 0;
        });
        const customer = await t.registerAndLogin('customer');
        expect((await one.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 1 } })).statusCode).toBe(
          200,
        );

        await pg!.pauseReplay();
        const checkout = await one.inject('POST', '/api/v1/checkout', {
          token: customer.token,
          headers: { 'idempotency-key': newId() },
          body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'free' },
        });
        expect(checkout.statusCode, checkout.body).toBe(202);
        const history = await other.inject('GET', '/api/v1/orders', { token: customer.token });
        expect(history.json<{ items: { id: string }[] }>().items.map((order) => order.id)).toContain(
          checkout.json<{ orderId: string }>().orderId,
        );
      } finally {
        await pg!.resumeReplay();
        await one.close();
        await other.close();
      }
    },
  );

  it('answers reads from the primary when the replica is down, and stays ready', async () => {
    const customer = await t.registerAndLogin('customer');
    await pg!.stopReplica();
    const { id } = await createProduct();

    const started = Date.now();
    expect(await productStatus(id), 'anonymous, from the primary').toBe(200);
    expect(await orderHistory(customer.token)).toEqual([]);
    const search = await t.inject('GET', '/api/v1/search', { query: { q: 'mug' } });
    expect(search.statusCode, search.body).toBe(200);
    expect(Date.now() - started).toBeLessThan(FALLBACK_READ_MS);

    const ready = await t.inject('GET', '/health/ready');
    expect(ready.statusCode, ready.body).toBe(200);
  });
});
