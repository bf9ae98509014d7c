import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedIn } from '../../../test/support/app';
import type { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { openShop, PRICE, SHIPPING, type OrderJson, type Shop } from '../../../test/support/order-shop';

/** Refunds, who may do what on orders, and the staff's order list, through HTTP. */
describe('order refunds, access and the staff list (e2e)', () => {
  let shop: Shop;
  let customer: LoggedIn;

  beforeAll(async () => {
    shop = await openShop();
    customer = await shop.t.registerAndLogin('customer');
  });
  afterAll(async () => {
    await shop?.t.close();
  });

  const refund = (orderId: string, body: unknown, token = shop.admin.token) => shop.post(`/api/v1/orders/${orderId}/refunds`, token, body);

  it('partial refunds: 202 with the refund id, shown on the order, never more than was captured', async () => {
    const { t } = shop;
    const { orderId } = await shop.confirmedOrder(customer, 2);
    const captured = 2 * PRICE + SHIPPING;
    const first = await refund(orderId, { amount: 1000, reason: 'late delivery' });
    expect(first.statusCode, first.body).toBe(202);
    const { refundId } = first.json<{ refundId: string }>();
    expect(first.json()).toEqual({ refundId, orderId, amount: { amount: 1000, currency: 'EUR' }, status: 'requested' });
    expect((await shop.order(orderId)).refunds).toEqual([
      expect.objectContaining({ id: refundId, status: 'requested', reason: 'goodwill', note: 'late delivery' }),
    ]);
    // a pending refund counts: the rest of the capture, plus one, is refused
    const over = await refund(orderId, { amount: captured - 1000 + 1 });
    expect(over.json()).toMatchObject({ status: 409, code: 'ordering.refund_exceeds_captured' });
    await t.drain();
    const after = await shop.order(orderId);
    expect(after).toMatchObject({ status: 'confirmed', refundedTotal: { amount: 1000 } });
    expect(after.refunds[0]).toMatchObject({ status: 'completed', settledAt: expect.any(String) });
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: 1000 });
  });

  it('two refunds asked at the same time that together exceed the capture: at most the capture is refunded', async () => {
    const { t } = shop;
    const { orderId } = await shop.confirmedOrder(customer, 2);
    const captured = 2 * PRICE + SHIPPING;
    const amount = Math.ceil(captured * 0.6);
    const answers = await Promise.all([refund(orderId, { amount }), refund(orderId, { amount })]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 409]);
    await t.drain();
    const order = await shop.order(orderId);
    expect(order.refunds).toHaveLength(1);
    expect(order.refundedTotal.amount).toBe(amount);
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: amount });
  });

  it('an order that was never paid cannot be refunded; a repeated request (same key) is one refund', async () => {
    const { t, post, admin } = shop;
    const placed = await shop.placeOrder(customer, await shop.stockedProduct(), 1);
    const unpaid = await refund(placed, { amount: 100 });
    expect(unpaid.json()).toMatchObject({ status: 409, code: 'ordering.order_not_refundable' });
    await t.drain();

    const { orderId } = await shop.confirmedOrder(customer, 1);
    const key = newId();
    const once = await post(`/api/v1/orders/${orderId}/refunds`, admin.token, { amount: 300 }, { headers: { 'idempotency-key': key } });
    const twice = await post(`/api/v1/orders/${orderId}/refunds`, admin.token, { amount: 300 }, { headers: { 'idempotency-key': key } });
    expect(twice.statusCode).toBe(202);
    expect(twice.json()).toEqual(once.json());
    expect((await shop.order(orderId)).refunds).toHaveLength(1);
  });

  it("another customer's order is not found: read, cancel, returns", async () => {
    const { t, post } = shop;
    const stranger = await t.registerAndLogin('customer');
    const { orderId, sku } = await shop.deliveredOrder(customer, 1);
    expect((await t.inject('GET', `/api/v1/orders/${orderId}`, { token: stranger.token })).statusCode).toBe(404);
    const cancel = await post(`/api/v1/orders/${orderId}/cancel`, stranger.token);
    expect(cancel.json()).toMatchObject({ status: 404, code: 'ordering.order_not_found' });
    const ret = await post(`/api/v1/orders/${orderId}/returns`, stranger.token, { lines: [{ sku, quantity: 1 }] });
    expect(ret.json()).toMatchObject({ status: 404, code: 'ordering.order_not_found' });
    expect((await t.inject('GET', `/api/v1/orders/${orderId}/returns`, { token: stranger.token })).statusCode).toBe(404);
    expect((await shop.order(orderId, customer.token)).returns).toEqual([]);
  });

  it('customers may not ship, deliver, refund, approve returns or list every order; staff may not refund', async () => {
    const { t, post, staff } = shop;
    const { orderId, sku } = await shop.deliveredOrder(customer, 1);
    const ret = await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: 1 }] });
    const returnId = ret.json<{ id: string }>().id;
    const forbidden = [
      await post(`/api/v1/orders/${orderId}/ship`, customer.token, { carrier: 'sandbox', trackingNumber: shop.trackingNumber() }),
      await post(`/api/v1/orders/${orderId}/deliver`, customer.token),
      await refund(orderId, { amount: 1 }, customer.token),
      await refund(orderId, { amount: 1 }, staff.token),
      await post(`/api/v1/returns/${returnId}/approve`, customer.token),
      await t.inject('GET', '/api/v1/admin/orders', { token: customer.token }),
    ];
    expect(forbidden.map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403, 403]);
    expect((await shop.order(orderId)).returns).toEqual([expect.objectContaining({ status: 'requested' })]);
    expect((await post(`/api/v1/returns/${newId()}/approve`, staff.token)).json()).toMatchObject({ code: 'ordering.return_not_found' });
  });

  it('refuses fields a caller may not set, and malformed amounts and lines, with 400', async () => {
    const { post, staff } = shop;
    const { orderId, sku } = await shop.deliveredOrder(customer, 1);
    const refused = [
      await post(`/api/v1/orders/${orderId}/cancel`, customer.token, { status: 'cancelled' }),
      await post(`/api/v1/orders/${orderId}/deliver`, staff.token, { deliveredAt: '2020-01-01T00:00:00Z' }),
      await post(`/api/v1/orders/${orderId}/ship`, staff.token, { carrier: 'sandbox', trackingNumber: 'SBX000000001', status: 'shipped' }),
      await refund(orderId, { amount: 100, currency: 'USD' }),
      await refund(orderId, { amount: 100, customerId: customer.user.id }),
      await refund(orderId, { amount: 0 }),
      await refund(orderId, { amount: 10.5 }),
      await refund(orderId, { amount: '100' }),
      await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: 1 }], customerId: 'someone' }),
      await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: 1, amount: 5000 }] }),
      await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: 1 }], status: 'approved' }),
      await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [] }),
      await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: -1 }] }),
      await post(`/api/v1/orders/${orderId}/returns`, customer.token, {
        lines: [
          { sku, quantity: 1 },
          { sku, quantity: 1 },
        ],
      }),
    ];
    expect(refused.map((r) => r.statusCode)).toEqual(refused.map(() => 400));
    const order = await shop.order(orderId);
    expect(order).toMatchObject({ status: 'delivered', refunds: [], returns: [] });
  });

  it('the staff list filters by status, customer and placing date, newest first, with a cursor', async () => {
    const { t, staff } = shop;
    const clock = t.clock as ManualClock;
    const buyer = await t.registerAndLogin('customer');
    clock.advance(1000); // after every other test's orders
    const confirmed = await shop.confirmedOrder(buyer, 1);
    clock.advance(1000);
    const shippedAt = t.clock.now().toISOString();
    const shipped = await shop.confirmedOrder(buyer, 1);
    await shop.ship(shipped.orderId);
    clock.advance(1000);
    const cancelled = await shop.confirmedOrder(buyer, 1);
    await shop.post(`/api/v1/orders/${cancelled.orderId}/cancel`, buyer.token);

    const list = async (query: Record<string, string>) => {
      const res = await t.inject('GET', '/api/v1/admin/orders', { token: staff.token, query });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ items: OrderJson[]; nextCursor: string | null }>();
    };
    const ids = (page: { items: OrderJson[] }) => page.items.map((o) => o.id);
    expect(ids(await list({ customer: buyer.user.id }))).toEqual([cancelled.orderId, shipped.orderId, confirmed.orderId]);
    expect(ids(await list({ customer: buyer.user.id, status: 'shipped' }))).toEqual([shipped.orderId]);
    expect(ids(await list({ from: shippedAt }))).toEqual([cancelled.orderId, shipped.orderId]);
    expect(ids(await list({ from: shippedAt, status: 'confirmed' }))).toEqual([]);
    const day = shippedAt.slice(0, 10);
    const dayBefore = new Date(Date.parse(`${day}T00:00:00Z`) - 1).toISOString().slice(0, 10);
    expect(ids(await list({ customer: buyer.user.id, from: day, to: day }))).toEqual([
      cancelled.orderId,
      shipped.orderId,
      confirmed.orderId,
    ]);
    expect(ids(await list({ customer: buyer.user.id, to: dayBefore }))).toEqual([]);

    const page1 = await list({ customer: buyer.user.id, limit: '2' });
    expect(ids(page1)).toEqual([cancelled.orderId, shipped.orderId]);
    const page2 = await list({ customer: buyer.user.id, limit: '2', cursor: page1.nextCursor! });
    expect(page2).toEqual({ items: [expect.objectContaining({ id: confirmed.orderId })], nextCursor: null });

    const bad: Record<string, string>[] = [
      { status: 'lost' },
      { from: 'yesterday' },
      { to: '2026-02-30' },
      { limit: '101' },
      { cursor: 'nope' },
      { role: 'admin' },
    ];
    for (const query of bad) {
      const res = await t.inject('GET', '/api/v1/admin/orders', { token: staff.token, query });
      expect(res.statusCode, JSON.stringify(query)).toBe(400);
    }
  });
});
