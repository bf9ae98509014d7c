import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { PgDatabase } from '../src/platform/persistence/pg.database';
import { newId } from '../src/shared-kernel/ids';
import { migratedDatabase, testServers } from './support/db';
import { deliveryViolations, invariantViolations, settle, until } from './support/invariants';
import { ADMIN, call, ensureBuilt, type Instance, kill9, killAll, login, newCustomer, output, startApp } from './support/processes';

/**
 * R3 and R4 with real processes: the built monolith (`node dist/app/monolith.main.js`) is killed with SIGKILL in the
 * middle of a checkout and started again on the same database; the checkout then finishes, and the database shows no
 * event lost or applied twice, stock reserved once and money captured once.
 *
 * `npm test` builds first; run alone (`npx vitest run test/crash-recovery.e2e.spec.ts`), this file builds dist itself
 * when it is missing or older than a source file.
 */

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
/** Long enough that the process is always killed inside it; the provider timeout stays above it. */
const SANDBOX_LATENCY_MS = 30_000;

describe('crash recovery with real processes (e2e)', () => {
  // an empty database: each app process migrates it itself
  const fresh = migratedDatabase(testServers()[0], [], { poolSize: 2 });
  let db: PgDatabase;

  beforeAll(() => {
    ensureBuilt();
    db = fresh.db;
  });
  afterAll(killAll); // runs before the database is dropped

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
    const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await call(first, 'POST', '/shipping-methods', { token: admin, body: standard, key: newId() })).status).toBe(201);
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
      body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' },
    });
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;

    // the stock is reserved and the provider has authorized, but payment has not recorded the authorization yet
    const [authorization] = await until('the authorization at the provider', () => ledger(orderId).then((rows) => rows.length > 0 && rows));
    await kill9(first);
    expect(await types(`inventory.reservation-${orderId}`)).toEqual(['StockReservationConfirmed']);
    expect(await types(`payment.payment-${orderId}`)).toEqual([]);
    expect(await types(`ordering.checkout-${orderId}`)).toEqual(['CheckoutStarted', 'PaymentAuthorizationRequested']);
    expect(authorization).toMatchObject({ state: 'authorized', captured: '0' });

    // 2. second process, no latency: the authorization request is delivered again and the checkout completes
    const second = await startApp(fresh.url);
    expect(await waitTerminal(second, buyer.token, orderId)).toMatchObject({ status: 'confirmed', total: { amount: 1000 + 2 * 1500 } });
    await settle(db);
    // the provider was asked again for the same payment and answered from its ledger: one authorization, one capture
    expect(await ledger(orderId)).toEqual([{ ...authorization, state: 'captured', captured: authorization.amount }]);
    expect(await types(`payment.payment-${orderId}`)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    // captured in the authorization's provider round (PAYMENT_CAPTURE=immediate): the checkout never asked for it
    expect(await types(`ordering.checkout-${orderId}`)).toEqual(['CheckoutStarted', 'PaymentAuthorizationRequested', 'CheckoutCompleted']);
    for (const [i, sku] of skus.entries())
      // held or already committed (inventory commits on order-confirmed): either way i + 1 units are gone from available
      expect((await call(second, 'GET', `/inventory/${sku}`, { token: admin })).body).toMatchObject({ sku, available: 9 - i });

    // 3. killed right after the 202: whatever had run, a restart finishes the checkout, and the client's retry with
    // the same Idempotency-Key (it may not have seen the answer) replays the stored 202 instead of ordering again
    const late = await newCustomer(second);
    expect((await call(second, 'POST', '/cart/items', { token: late.token, body: { sku: skus[0], quantity: 3 } })).status).toBe(200);
    const key = newId();
    const request = { token: late.token, key, body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' } };
    const accepted = await call(second, 'POST', '/checkout', request);
    await kill9(second);
    expect(accepted.status).toBe(202);
    const lateOrderId = accepted.body.orderId as string;

    const third = await startApp(fresh.url);
    const retried = await call(third, 'POST', '/checkout', request);
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ orderId: lateOrderId, status: 'placed' });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(await waitTerminal(third, late.token, lateOrderId)).toMatchObject({ status: 'confirmed', total: { amount: 3 * 1000 } });
    await settle(db);
    expect((await call(third, 'GET', '/orders', { token: late.token })).body.items).toHaveLength(1);
    expect(await ledger(lateOrderId)).toMatchObject([{ state: 'captured', captured: '3000' }]);
    expect((await call(third, 'GET', `/inventory/${skus[0]}`, { token: admin })).body).toMatchObject({
      onHand: 6,
      reserved: 0,
      available: 6,
    });

    // 4. the whole store: contiguous streams, unique event ids, every message applied exactly once, nothing dead-lettered,
    // stock never negative and reserved once per order, money captured once and equal to the confirmed totals
    expect(await invariantViolations(db)).toEqual([]);
    expect(await deliveryViolations(db)).toEqual([]);
    const { rows: dead } = await db.query('select * from es.dead_letters');
    expect(dead).toEqual([]);
  });
});
