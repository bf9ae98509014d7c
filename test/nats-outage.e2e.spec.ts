import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/platform/persistence/database';
import { SystemClock } from '../src/shared-kernel/clock';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';
import { deliveryViolations, invariantViolations, settle, until } from './support/invariants';
import { natsServerInstalled, privateNats, type PrivateNats } from './support/private-nats';

/**
 * Checkouts across a NATS outage: the app (consumers in the background, the bus on a NATS server of the test's own)
 * takes half of the checkouts while the server is stopped for 26 s, then started again on the same port and store.
 * Each checkout must end confirmed before its timeout: the outbox waits the outage out promptly and the bus's
 * consumers go on after the restart. Readiness says 503 while the broker is away and 200 once it is back.
 * Without the nats-server program the suite is skipped, unless CI=true, where it must run.
 */

const CHECKOUTS = 40;
/**
 * The broker is away just longer than the 25.5 s a backoff of 100 ms doubling reaches after 8 retries, and the checkout
 * times out after 40 s rather than production's 60 s (forty checkouts keep the test short). A backoff that
 * grew with the outage would next retry 51 s after the first failure, past every timeout; retries at most 2 s apart
 * publish within seconds of the broker's return, well within it.
 */
const OUTAGE_MS = 26_000;
const CHECKOUT_TIMEOUT_MS = 40_000;
const ON_HAND = 100;
const PRICE = 1250;
const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const needsNats = !natsServerInstalled() && process.env.CI !== 'true';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(needsNats)('checkouts across a NATS outage (e2e)', () => {
  let nats: PrivateNats | undefined;
  let t: TestApp | undefined;
  let db: Database;
  let admin: LoggedIn;
  const sku = `MUG-${newId().slice(-12)}`;

  beforeAll(async () => {
    nats = await privateNats();
    await nats.start();
    t = await bootTestApp({
      clock: new SystemClock(),
      background: true,
      configOverrides: {
        messageBus: 'nats',
        natsUrl: nats.url,
        busNamespace: `e2e-outage-${Date.now().toString(36)}`,
        checkoutTimeoutMs: CHECKOUT_TIMEOUT_MS,
      },
    });
    db = t.get(Database);
    admin = await t.registerAndLogin('admin');
    const category = await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } });
    expect(category.statusCode, category.body).toBe(201);
    const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);
    const product = await t.inject('POST', '/api/v1/products', {
      token: admin.token,
      body: { sku, name: `Mug ${sku}`, category: 'mugs', price: { amount: PRICE, currency: 'EUR' } },
    });
    expect(product.statusCode, product.body).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand: ON_HAND } })).statusCode).toBe(200);
  }, 60_000);

  afterAll(async () => {
    // the bus drains its connection on close: with the server there, that ends at once
    if (nats && !nats.running()) await nats.start().catch(() => undefined);
    await t?.close();
    await nats?.dispose();
  });

  const readiness = async () => (await t!.inject('GET', '/health/ready')).statusCode;
  const readinessBecomes = (status: 200 | 503, what: string) => until(what, async () => (await readiness()) === status, 45_000, 100);

  const checkout = async (customer: LoggedIn): Promise<string> => {
    const added = await t!.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 1 } });
    expect(added.statusCode, added.body).toBe(200);
    const res = await t!.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' },
    });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ orderId: string }>().orderId;
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0].n);

  it('confirms every checkout, each captured once, with readiness 503 while the broker is away and 200 after', async () => {
    await readinessBecomes(200, 'the app to be ready');
    const customers: LoggedIn[] = [];
    for (let i = 0; i < CHECKOUTS; i++) customers.push(await t!.registerAndLogin('customer'));

    // the first half is in flight when the broker goes away, the second half is placed while it is away
    const before = await Promise.all(customers.slice(0, CHECKOUTS / 2).map(checkout));
    await nats!.stop();
    const stoppedAt = Date.now();
    await readinessBecomes(503, 'readiness to see the broker gone');
    const during = await Promise.all(customers.slice(CHECKOUTS / 2).map(checkout));
    expect(await readiness()).toBe(503);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
    await nats!.start();
    await readinessBecomes(200, 'readiness to see the broker back');

    const orderIds = [...before, ...during];
    await settle(db, 90_000);
    const { rows } = await db.query<{ status: string; n: string }>(
      'select status, count(*) as n from ordering.orders where id = any($1) group by status',
      [orderIds],
    );
    expect(Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))).toEqual({ confirmed: CHECKOUTS });
    const captures = "select count(*) as n from es.events where stream = any($1) and type = 'PaymentCaptured'";
    expect(await count(captures, [orderIds.map((id) => `payment.payment-${id}`)])).toBe(CHECKOUTS);
    const ledger = "select count(*) as n from payment_sandbox.payments where payment_id = any($1) and state = 'captured' and captured = $2";
    expect(await count(ledger, [orderIds, PRICE])).toBe(CHECKOUTS);
    const stock = (await t!.inject('GET', `/api/v1/inventory/${sku}`, { token: admin.token })).json<{ onHand: number; reserved: number }>();
    expect(stock).toMatchObject({ onHand: ON_HAND - CHECKOUTS, reserved: 0 });
    expect(await invariantViolations(db)).toEqual([]);
    expect(await deliveryViolations(db)).toEqual([]);
    expect(await count('select count(*) as n from es.dead_letters')).toBe(0);
  }, 240_000);
});
