import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxTrackingEvent } from '../shipping/infrastructure/sandbox.carrier';
import { newId } from '../../shared-kernel/ids';
import { openShop, ORDERING_TYPES, PRICE, SHIPPING, type Shop } from '../../../test/support/order-shop';

/** An order's life after its checkout, through HTTP: ship, deliver, return, refund, cancel. */
describe('order lifecycle (e2e)', () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await openShop();
  });
  afterAll(async () => {
    await shop?.t.close();
  });

  it('checkout → confirm → ship → deliver → return → approve → refund, until everything captured is refunded', async () => {
    const { t, post, staff, admin } = shop;
    const customer = await t.registerAndLogin('customer');
    const { orderId, sku } = await shop.confirmedOrder(customer, 2);
    const captured = 2 * PRICE + SHIPPING;
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: 0 });

    const tracking = await shop.ship(orderId);
    const shipped = await shop.order(orderId, customer.token);
    expect(shipped).toMatchObject({ status: 'shipped', shipment: { carrier: 'sandbox', trackingNumber: tracking } });
    // the same parcel again changes nothing; another parcel is refused
    expect((await post(`/api/v1/orders/${orderId}/ship`, staff.token, { carrier: 'sandbox', trackingNumber: tracking })).statusCode).toBe(
      200,
    );
    const other = await post(`/api/v1/orders/${orderId}/ship`, staff.token, { carrier: 'sandbox', trackingNumber: shop.trackingNumber() });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'ordering.order_already_shipped' });

    const early = await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: 1 }] });
    expect(early.json()).toMatchObject({ status: 409, code: 'ordering.order_not_returnable' });

    const delivered = await post(`/api/v1/orders/${orderId}/deliver`, staff.token);
    expect(delivered.statusCode).toBe(200);
    expect(delivered.json()).toMatchObject({ status: 'delivered', deliveredAt: expect.any(String) });

    const first = await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: 1 }] });
    expect(first.statusCode, first.body).toBe(201);
    const firstReturn = first.json<{ id: string }>();
    expect(firstReturn).toMatchObject({ orderId, status: 'requested', lines: [{ sku, quantity: 1 }] });
    const tooMany = await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: 2 }] });
    expect(tooMany.json()).toMatchObject({ status: 409, code: 'ordering.return_exceeds_delivered' });
    const listed = await t.inject('GET', `/api/v1/orders/${orderId}/returns`, { token: customer.token });
    expect(listed.json()).toEqual({ items: [first.json()] });

    const approved = await post(`/api/v1/returns/${firstReturn.id}/approve`, staff.token);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', refund: { amount: PRICE, currency: 'EUR' } });
    expect((await post(`/api/v1/returns/${firstReturn.id}/approve`, staff.token)).statusCode).toBe(200);
    await t.drain();
    const afterFirst = await shop.order(orderId, customer.token);
    expect(afterFirst).toMatchObject({ status: 'delivered', refundedTotal: { amount: PRICE } });
    expect(afterFirst.refunds).toEqual([expect.objectContaining({ reason: 'return', returnId: firstReturn.id, status: 'completed' })]);

    // the other unit back, then the shipping as goodwill: everything captured went back
    const second = await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: 1 }] });
    expect((await post(`/api/v1/returns/${second.json<{ id: string }>().id}/approve`, staff.token)).statusCode).toBe(200);
    const goodwill = await post(`/api/v1/orders/${orderId}/refunds`, admin.token, { amount: SHIPPING, reason: 'shipping back' });
    expect(goodwill.statusCode, goodwill.body).toBe(202);
    await t.drain();
    const done = await shop.order(orderId, customer.token);
    expect(done).toMatchObject({ status: 'refunded', refundedTotal: { amount: captured } });
    expect(done.refunds.map((r) => [r.reason, r.amount.amount, r.status])).toEqual([
      ['return', PRICE, 'completed'],
      ['return', PRICE, 'completed'],
      ['goodwill', SHIPPING, 'completed'],
    ]);
    expect(done.returns.map((r) => r.status)).toEqual(['approved', 'approved']);
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: captured });

    expect(shop.messages(orderId, ORDERING_TYPES.shipped)).toEqual([
      expect.objectContaining({ carrier: 'sandbox', trackingNumber: tracking }),
    ]);
    expect(shop.messages(orderId, ORDERING_TYPES.delivered)).toEqual([
      expect.objectContaining({ lines: [{ sku, productId: expect.any(String), quantity: 2 }] }),
    ]);
    expect(shop.messages(orderId, ORDERING_TYPES.returnApproved)).toHaveLength(2);
    // the last two refunds were asked together: payment may answer either first, and messages arrive in any order
    const refunded = shop.messages(orderId, ORDERING_TYPES.refunded) as { amount: { amount: number }; totalRefunded: { amount: number } }[];
    expect(refunded.map((m) => m.amount.amount).sort((x, y) => x - y)).toEqual([SHIPPING, PRICE, PRICE]);
    expect(Math.max(...refunded.map((m) => m.totalRefunded.amount))).toBe(captured);
  });

  it("the carrier's delivery report and staff's converge on one delivery", async () => {
    const { t, post, staff } = shop;
    const customer = await t.registerAndLogin('customer');
    const { orderId } = await shop.confirmedOrder(customer, 1);
    const tracking = await shop.ship(orderId);
    await t.drain(); // the shipment is known to shipping's tracking
    const event = { id: newId(), trackingNumber: tracking, status: 'delivered' as const, occurredAt: t.clock.now().toISOString() };
    const signed = sandboxTrackingEvent(t.config.carrierWebhookSecret, event);
    const webhook = await t.inject('POST', '/api/v1/shipping/webhooks/sandbox', { headers: signed.headers, body: signed.body });
    expect(webhook.statusCode, webhook.body).toBe(200);
    await t.drain();
    expect(await shop.order(orderId)).toMatchObject({ status: 'delivered', deliveredAt: event.occurredAt });
    expect((await post(`/api/v1/orders/${orderId}/deliver`, staff.token)).statusCode).toBe(200);
    await t.drain();
    expect(shop.messages(orderId, ORDERING_TYPES.delivered)).toHaveLength(1);
  });

  it('cancelling a confirmed order refunds what was captured; the order becomes refunded', async () => {
    const { t, post } = shop;
    const customer = await t.registerAndLogin('customer');
    const { orderId } = await shop.confirmedOrder(customer, 2);
    const res = await post(`/api/v1/orders/${orderId}/cancel`, customer.token);
    expect(res.statusCode, res.body).toBe(200);
    const captured = 2 * PRICE + SHIPPING;
    expect(res.json()).toMatchObject({
      status: 'cancelled',
      cancellationReason: 'cancelled_by_customer',
      refunds: [{ reason: 'cancellation', amount: { amount: captured }, status: 'requested' }],
    });
    await t.drain();
    expect(await shop.order(orderId, customer.token)).toMatchObject({ status: 'refunded', refundedTotal: { amount: captured } });
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: captured });
    expect(shop.messages(orderId, ORDERING_TYPES.cancelled)).toEqual([
      expect.objectContaining({ reason: 'cancelled_by_customer', wasConfirmed: true, lines: [expect.objectContaining({ quantity: 2 })] }),
    ]);
    expect(shop.messages(orderId, ORDERING_TYPES.refunded)).toEqual([expect.objectContaining({ reason: 'cancellation' })]);
    const again = await post(`/api/v1/orders/${orderId}/cancel`, customer.token);
    expect(again.json()).toMatchObject({ status: 409, code: 'ordering.order_not_cancellable' });
  });

  it('cancelling while the checkout runs ends it with compensation: stock back, nothing captured', async () => {
    const { t, post } = shop;
    const customer = await t.registerAndLogin('customer');
    const sku = await shop.stockedProduct(3);
    const orderId = await shop.placeOrder(customer, sku, 3);
    const res = await post(`/api/v1/orders/${orderId}/cancel`, customer.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', cancellationReason: 'cancelled_by_customer', refunds: [] });
    await t.drain();
    expect(await shop.order(orderId, customer.token)).toMatchObject({ status: 'cancelled', refundedTotal: { amount: 0 } });
    expect(await shop.stock(sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    expect((await shop.ledger(orderId))?.captured ?? 0).toBe(0);
    expect(shop.messages(orderId, ORDERING_TYPES.cancelled)).toEqual([expect.objectContaining({ wasConfirmed: false })]);
  });

  it('nobody cancels a shipped or delivered order: goods that left are returned (cancel-after-ship.e2e.spec.ts has the rest)', async () => {
    const { t, post, staff } = shop;
    const customer = await t.registerAndLogin('customer');
    const { orderId } = await shop.confirmedOrder(customer, 1);
    await shop.ship(orderId);
    for (const caller of [customer, staff]) {
      const refused = await post(`/api/v1/orders/${orderId}/cancel`, caller.token);
      expect(refused.json()).toMatchObject({ status: 409, code: 'ordering.order_shipped' });
    }
    expect(await shop.order(orderId)).toMatchObject({ status: 'shipped', refunds: [] });

    const delivered = await shop.deliveredOrder(customer, 1);
    const late = await post(`/api/v1/orders/${delivered.orderId}/cancel`, staff.token);
    expect(late.json()).toMatchObject({ status: 409, code: 'ordering.order_shipped' });
  });

  it("ship: only confirmed orders; the carrier's refusal is 422", async () => {
    const { t, post, staff } = shop;
    const customer = await t.registerAndLogin('customer');
    const placed = await shop.placeOrder(customer, await shop.stockedProduct(), 1);
    const early = await post(`/api/v1/orders/${placed}/ship`, staff.token, { carrier: 'sandbox', trackingNumber: shop.trackingNumber() });
    expect(early.json()).toMatchObject({ status: 409, code: 'ordering.order_not_shippable' });

    const { orderId } = await shop.confirmedOrder(customer, 1);
    const refused = await post(`/api/v1/orders/${orderId}/ship`, staff.token, { carrier: 'sandbox', trackingNumber: 'NOT-A-PARCEL' });
    expect(refused.json()).toMatchObject({ status: 422, code: 'shipping.tracking_number_refused' });
    const unknown = await post(`/api/v1/orders/${orderId}/ship`, staff.token, { carrier: 'pigeon', trackingNumber: shop.trackingNumber() });
    expect(unknown.json()).toMatchObject({ status: 422, code: 'shipping.unknown_carrier' });
    expect((await shop.order(orderId)).status).toBe('confirmed');
    const deliverEarly = await post(`/api/v1/orders/${orderId}/deliver`, staff.token);
    expect(deliverEarly.json()).toMatchObject({ status: 409, code: 'ordering.order_not_deliverable' });
    const missing = await post(`/api/v1/orders/${newId()}/ship`, staff.token, {
      carrier: 'sandbox',
      trackingNumber: shop.trackingNumber(),
    });
    expect(missing.json()).toMatchObject({ status: 404, code: 'ordering.order_not_found' });
  });
});
