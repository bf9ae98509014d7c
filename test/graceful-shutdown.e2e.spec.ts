import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { PgDatabase } from '../src/platform/persistence/pg.database';
import { newId } from '../src/shared-kernel/ids';
import { migratedDatabase, testServers } from './support/db';
import { deliveryViolations, invariantViolations, settle, until } from './support/invariants';
import { ADMIN, call, ensureBuilt, freePort, killAll, login, newCustomer, output, startApp } from './support/processes';

/**
 * SIGTERM while checkouts are in the middle of their payment: the process stops taking requests, lets the ones in
 * flight finish, stops its consumers and exits 0; the next start resumes where it stopped and every accepted
 * checkout ends confirmed, with nothing lost or applied twice.
 */

const address = { name: 'Grace Hopper', line1: '1 Compiler Road', city: 'Arlington', postalCode: '22201', country: 'US' };
const CHECKOUTS = 4;

describe('graceful shutdown with real processes (e2e)', () => {
  // an empty database: each app process migrates it itself
  const fresh = migratedDatabase(testServers()[0], [], { poolSize: 2 });
  let db: PgDatabase;

  beforeAll(() => {
    ensureBuilt();
    db = fresh.db;
  });
  afterAll(killAll); // runs before the database is dropped

  it('SIGTERM finishes in-flight requests, exits 0, and the next start completes every accepted checkout', async () => {
    onTestFailed(() => console.error(`app output:\n${output.slice(-80).join('\n')}`));

    // the provider answers each authorization 1.5 s late, so the shutdown lands while payments are under way
    const first = await startApp(fresh.url, {
      PAYMENT_SANDBOX_LATENCY_MS: '1500',
      PAYMENT_PROVIDER_TIMEOUT_MS: '20000',
      LOG_LEVEL: 'info',
    });
    const admin = await login(first, ADMIN.email, ADMIN.password);
    expect((await call(first, 'POST', '/categories', { token: admin, body: { slug: 'stop', name: 'Stop' } })).status).toBe(201);
    const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await call(first, 'POST', '/shipping-methods', { token: admin, body: standard })).status).toBe(201);
    const sku = `STOP-${newId().slice(-8)}`;
    const product = { sku, name: 'Graceful item', category: 'stop', price: { amount: 2500, currency: 'EUR' } };
    expect((await call(first, 'POST', '/products', { token: admin, body: product })).status).toBe(201);
    expect((await call(first, 'PUT', `/inventory/${sku}`, { token: admin, body: { onHand: 50 } })).status).toBe(200);

    const buyers = await Promise.all(Array.from({ length: CHECKOUTS }, () => newCustomer(first)));
    for (const buyer of buyers) {
      expect((await call(first, 'POST', '/cart/items', { token: buyer.token, body: { sku, quantity: 2 } })).status).toBe(200);
    }
    const orders = await Promise.all(
      buyers.map(async (buyer) => {
        const placed = await call(first, 'POST', '/checkout', {
          token: buyer.token,
          key: newId(),
          body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' },
        });
        expect(placed.status).toBe(202);
        return { buyer, orderId: placed.body.orderId as string };
      }),
    );

    // wait until the provider is working on a payment, then ask the process to stop while requests are in flight
    await until('an authorization at the provider', async () => {
      const { rows } = await db.query('select 1 from payment_sandbox.payments limit 1');
      return rows.length > 0;
    });
    const inFlight = Array.from({ length: 5 }, () =>
      call(first, 'GET', '/products?limit=5').then(
        (reply) => reply.status,
        () => 'refused' as const, // sent after the server stopped accepting: never reached it
      ),
    );
    first.child.kill('SIGTERM');
    await first.exited;
    expect(first.child.exitCode).toBe(0);
    // a request the server accepted is answered; it never gets a 500 because the process was stopping
    for (const outcome of await Promise.all(inFlight)) expect([200, 503, 'refused']).toContain(outcome);
    expect(output.some((line) => line.includes(`[${first.child.pid}]`) && line.includes('"msg":"stopped"'))).toBe(true);

    // the next start resumes from the checkpoints and the inboxes: every accepted checkout is confirmed, exactly once
    const second = await startApp(fresh.url);
    for (const { buyer, orderId } of orders) {
      const order = await until('the order to end', async () => {
        const reply = await call(second, 'GET', `/orders/${orderId}`, { token: buyer.token });
        return reply.body.status !== 'placed' && reply.body;
      });
      expect(order).toMatchObject({ status: 'confirmed', total: { amount: 5000, currency: 'EUR' } });
    }
    await settle(db);
    expect((await call(second, 'GET', `/inventory/${sku}`, { token: admin })).body).toEqual({
      sku,
      onHand: 50 - 2 * CHECKOUTS,
      reserved: 0,
      available: 50 - 2 * CHECKOUTS,
    });
    expect(await invariantViolations(db)).toEqual([]);
    expect(await deliveryViolations(db)).toEqual([]);
    expect((await db.query('select * from es.dead_letters')).rows).toEqual([]);
  });

  it('Ctrl-C on the embedded default (SIGINT to the whole process group) still stops in order and resumes', async () => {
    onTestFailed(() => console.error(`app output:\n${output.slice(-80).join('\n')}`));
    const dataDir = mkdtempSync(join(tmpdir(), 'orderly-ctrl-c-'));
    chmodSync(dataDir, 0o755); // the embedded server runs as the 'postgres' user when the tests run as root
    const embedded = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
    try {
      const first = await startApp(
        undefined,
        { ...embedded, PAYMENT_SANDBOX_LATENCY_MS: '1500', PAYMENT_PROVIDER_TIMEOUT_MS: '20000', LOG_LEVEL: 'info' },
        { ownProcessGroup: true },
      );
      const admin = await login(first, ADMIN.email, ADMIN.password);
      const { body: catalog } = await call(first, 'GET', '/products?limit=1');
      const sku = (catalog.items as { sku: string }[])[0].sku;
      expect((await call(first, 'PUT', `/inventory/${sku}`, { token: admin, body: { onHand: 40 } })).status).toBe(200);
      const method = { code: 'ctrl-c', name: 'Ctrl-C', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
      expect((await call(first, 'POST', '/shipping-methods', { token: admin, body: method })).status).toBe(201);
      const buyer = await newCustomer(first);
      expect((await call(first, 'POST', '/cart/items', { token: buyer.token, body: { sku, quantity: 1 } })).status).toBe(200);
      const placed = await call(first, 'POST', '/checkout', {
        token: buyer.token,
        key: newId(),
        body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'ctrl-c' },
      });
      expect(placed.status).toBe(202);

      // the terminal's Ctrl-C: SIGINT to every process of the group, the database server included unless it has its own
      process.kill(-first.child.pid!, 'SIGINT');
      await first.exited;
      expect(first.child.exitCode).toBe(0);
      const mine = output.filter((line) => line.startsWith(`[${first.child.pid}]`));
      expect(mine.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
      expect(mine.some((line) => line.includes('shutdown failed') || line.includes('did not finish'))).toBe(false);
      expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false); // the server was stopped, and stopped cleanly

      const second = await startApp(undefined, embedded);
      const order = await until('the order to end', async () => {
        const reply = await call(second, 'GET', `/orders/${placed.body.orderId as string}`, { token: buyer.token });
        return reply.body.status !== 'placed' && reply.body;
      });
      expect(order).toMatchObject({ status: 'confirmed' });
      second.child.kill('SIGTERM');
      await second.exited;
      expect(second.child.exitCode).toBe(0);
    } finally {
      await killAll();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
