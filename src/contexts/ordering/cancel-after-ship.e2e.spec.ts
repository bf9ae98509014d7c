import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { sandboxTrackingEvent, type SandboxTrackingEvent } from '../shipping/infrastructure/sandbox.carrier';
import { newId } from '../../shared-kernel/ids';
import { deliveryViolations, invariantViolations, writeCounts } from '../../../test/support/invariants';
import { openShop, ORDERING_TYPES, PRICE, SHIPPING, type Shop } from '../../../test/support/order-shop';

/** What the carrier reports, in its own words: this spec plays the sandbox carrier. */
type TrackingStatus = SandboxTrackingEvent['status'];

/**
 * Goods that left are returned, not cancelled: nobody cancels a shipped or delivered order (no refund, no restock
 * around the refund rule), until the carrier reports the parcel intercepted or returned to sender. Then staff cancel
 * it, which refunds the capture; its stock goes back on hand once the goods are back (returned to sender), once. An
 * interception that fails (the carrier delivers after all) is recorded for staff, and brings no stock back.
 */
describe('cancelling after shipping (e2e)', () => {
  let shop: Shop;
  let apiKey: string;

  beforeAll(async () => {
    shop = await openShop();
    const issued = await shop.t.inject('POST', '/api/v1/api-keys', {
      token: shop.admin.token,
      body: { name: 'order sync', scopes: ['orders:read', 'orders:write'] },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    apiKey = issued.json<{ key: string }>().key;
  });
  afterAll(async () => {
    await shop?.t.close();
  });

  type Caller = { name: string; send: (url: string, body?: unknown) => Promise<InjectResponse> };
  const asUser = (name: string, token: () => string): Caller => ({ name, send: (url, body) => shop.post(url, token(), body) });
  const asApiKey: Caller = {
    name: 'orders:write API key',
    send: (url, body) => shop.t.inject('POST', url, { body, headers: { 'x-api-key': apiKey, 'idempotency-key': newId() } }),
  };
  const staff = asUser('staff', () => shop.staff.token);
  const admin = asUser('admin', () => shop.admin.token);

  /** A signed tracking event of the sandbox carrier, applied and passed on to ordering. */
  const carrierReports = async (trackingNumber: string, status: TrackingStatus) => {
    const { t } = shop;
    const event = { id: newId(), trackingNumber, status, occurredAt: t.clock.now().toISOString() };
    const signed = sandboxTrackingEvent(t.config.carrierWebhookSecret, event);
    const res = await t.inject('POST', '/api/v1/shipping/webhooks/sandbox', { headers: signed.headers, body: signed.body });
    expect(res.json(), res.body).toEqual({ received: true, duplicate: false });
    await t.drain();
    return event;
  };

  /**
   * Everything a cancellation, a refund or a restock writes: row counts (events, inbox, stock, payments, refunds,
   * tracking), the provider's ledger, the stock level and the order as the API shows it. The stored answers of
   * idempotency keys are left out: a 409 is kept for its key's replay.
   */
  const footprint = async (orderId: string, sku: string) => {
    await shop.t.drain();
    const { ['http.idempotency_keys']: _answers, ...counts } = await writeCounts(shop.db);
    const { rows } = await shop.db.query<Record<string, number>>(
      `select (select count(*) from ordering.order_refunds)::int as refunds, (select count(*) from payment.ledger)::int as payments,
              (select count(*) from shipping.tracking_history)::int as tracking, (select count(*) from ordering.returns)::int as returns`,
    );
    return { counts, ...rows[0], ledger: await shop.ledger(orderId), stock: await shop.stock(sku), order: await shop.order(orderId) };
  };

  const shipment = async (orderId: string) => {
    const res = await shop.t.inject('GET', `/api/v1/shipments/${orderId}`, { token: shop.staff.token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ status: string; deliveredAt: string | null; interceptionFailedAt: string | null; history: { status: string }[] }>();
  };

  it('nobody cancels a shipped or delivered order, nor gets its money back another way: 409 or 403, nothing written', async () => {
    const { t, post } = shop;
    const customer = await t.registerAndLogin('customer');
    const shipped = await shop.confirmedOrder(customer, 2);
    await shop.ship(shipped.orderId);
    const delivered = await shop.deliveredOrder(customer, 1);
    const asCustomer = asUser('customer', () => customer.token);

    for (const { orderId, sku } of [shipped, delivered]) {
      const before = await footprint(orderId, sku);
      for (const caller of [staff, admin, asApiKey, asCustomer]) {
        const res = await caller.send(`/api/v1/orders/${orderId}/cancel`);
        expect(res.statusCode, `${caller.name}: ${res.body}`).toBe(409);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toMatchObject({ code: 'ordering.order_shipped', detail: expect.stringContaining(`/orders/${orderId}/returns`) });
      }
      // refunds are an admin right; returns are asked by the customer, of delivered goods
      for (const caller of [staff, asApiKey]) {
        const refund = await caller.send(`/api/v1/orders/${orderId}/refunds`, { amount: PRICE });
        expect(refund.json(), caller.name).toMatchObject({ status: 403, code: 'auth.forbidden' });
        const ret = await caller.send(`/api/v1/orders/${orderId}/returns`, { lines: [{ sku, quantity: 1 }] });
        expect(ret.json(), caller.name).toMatchObject({ status: 403, code: 'auth.forbidden' });
      }
      expect(await footprint(orderId, sku)).toEqual(before);
    }

    const early = await post(`/api/v1/orders/${shipped.orderId}/returns`, customer.token, { lines: [{ sku: shipped.sku, quantity: 1 }] });
    expect(early.json()).toMatchObject({ status: 409, code: 'ordering.order_not_returnable' });
    expect(await shop.order(shipped.orderId)).toMatchObject({ status: 'shipped', refunds: [], returns: [] });
    expect(await shop.ledger(shipped.orderId)).toEqual({ captured: 2 * PRICE + SHIPPING, refunded: 0 });
    expect(shop.messages(shipped.orderId, ORDERING_TYPES.cancelled)).toEqual([]);
  });

  /** The stock ledger's restocks of a cancelled order (on-hand change per row). */
  const restocks = async (orderId: string) =>
    (
      await shop.db.query<{ on_hand_change: number }>(
        `select on_hand_change from inventory.stock_ledger where order_id = $1 and kind = 'order_cancelled'`,
        [orderId],
      )
    ).rows;

  /** A confirmed order of two units, shipped, the carrier's reports applied: its tracking number and what it captured. */
  const shippedOrder = async (customer: Awaited<ReturnType<Shop['t']['registerAndLogin']>>, ...reports: TrackingStatus[]) => {
    const { orderId, sku } = await shop.confirmedOrder(customer, 2);
    expect(await shop.stock(sku)).toEqual(expect.objectContaining({ onHand: 8, reserved: 0, available: 8 }));
    const tracking = await shop.ship(orderId);
    await shop.t.drain();
    for (const status of reports) await carrierReports(tracking, status);
    return { orderId, sku, tracking, captured: 2 * PRICE + SHIPPING };
  };

  /** Staff cancel: 200, the capture asked back and refunded, the provider's ledger says so. */
  const staffCancels = async (orderId: string, captured: number, parcelReturn: string) => {
    const cancelled = await staff.send(`/api/v1/orders/${orderId}/cancel`);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({
      status: 'cancelled',
      cancellationReason: 'cancelled_by_staff',
      parcelReturn: { reason: parcelReturn },
      refunds: [{ reason: 'cancellation', amount: { amount: captured }, status: 'requested' }],
    });
    await shop.t.drain();
    expect(await shop.order(orderId)).toMatchObject({ status: 'refunded', refundedTotal: { amount: captured } });
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: captured });
    expect(shop.messages(orderId, ORDERING_TYPES.refunded)).toEqual([
      expect.objectContaining({ reason: 'cancellation', amount: { amount: captured, currency: 'EUR' } }),
    ]);
    const again = await staff.send(`/api/v1/orders/${orderId}/cancel`);
    expect(again.json()).toMatchObject({ status: 409, code: 'ordering.order_not_cancellable' });
  };

  /** A stale or wrong delivery report is recorded as the carrier's event (its inbox row) and changes nothing else. */
  const deliveryReportChangesNothing = async (orderId: string, sku: string, tracking: string) => {
    const settled = await footprint(orderId, sku);
    await carrierReports(tracking, 'delivered');
    const inbox = settled.counts['messaging.inbox'] + 1;
    expect(await footprint(orderId, sku)).toEqual({ ...settled, counts: { ...settled.counts, 'messaging.inbox': inbox } });
    const parcel = await shipment(orderId);
    expect(parcel).toMatchObject({ status: 'returned_to_sender', deliveredAt: null, interceptionFailedAt: null });
    expect(parcel.history.map((h) => h.status)).not.toContain('delivered');
    expect(await shop.order(orderId)).not.toHaveProperty('deliveredAt');
    expect(shop.messages(orderId, ORDERING_TYPES.delivered)).toEqual([]);
  };

  it('once the carrier reports the parcel returned to sender, staff cancel it: the capture refunded and the stock restocked once; a later delivery report changes nothing', async () => {
    const { t, post } = shop;
    const customer = await t.registerAndLogin('customer');
    const { orderId, sku, tracking, captured } = await shippedOrder(customer, 'in_transit');
    const report = await carrierReports(tracking, 'returned_to_sender');

    expect(await shop.order(orderId)).toMatchObject({
      status: 'shipped',
      parcelReturn: { reason: 'returned_to_sender', reportedAt: report.occurredAt },
    });
    expect((await shipment(orderId)).history.map((h) => h.status)).toEqual(['dispatched', 'in_transit', 'returned_to_sender']);

    // the parcel is not delivered by anyone's word now, and the customer still cannot cancel
    const before = await footprint(orderId, sku);
    const deliver = await post(`/api/v1/orders/${orderId}/deliver`, shop.staff.token);
    expect(deliver.json()).toMatchObject({ status: 409, code: 'ordering.order_not_deliverable' });
    const byCustomer = await post(`/api/v1/orders/${orderId}/cancel`, customer.token);
    expect(byCustomer.json()).toMatchObject({ status: 409, code: 'ordering.order_shipped' });
    expect(await footprint(orderId, sku)).toEqual(before);

    await staffCancels(orderId, captured, 'returned_to_sender');
    // the goods are back: on hand again at the cancellation, once
    expect(await shop.stock(sku)).toEqual(expect.objectContaining({ onHand: 10, reserved: 0, available: 10 }));
    expect(await restocks(orderId)).toEqual([{ on_hand_change: 2 }]);
    expect(shop.messages(orderId, ORDERING_TYPES.cancelled)).toEqual([
      expect.objectContaining({ wasConfirmed: true, goodsWithCarrier: false }),
    ]);

    await deliveryReportChangesNothing(orderId, sku, tracking);
  });

  it('an intercepted parcel: staff cancel and refund at once, but its stock goes back on hand only when the carrier returns it to the sender, once', async () => {
    const { t, post } = shop;
    const customer = await t.registerAndLogin('customer');
    const { orderId, sku, tracking, captured } = await shippedOrder(customer, 'in_transit', 'intercepted');
    expect(await shop.order(orderId)).toMatchObject({ status: 'shipped', parcelReturn: { reason: 'intercepted' } });
    const byCustomer = await post(`/api/v1/orders/${orderId}/cancel`, customer.token);
    expect(byCustomer.json()).toMatchObject({ status: 409, code: 'ordering.order_shipped' });

    await staffCancels(orderId, captured, 'intercepted');
    // the carrier still has the parcel: nothing is back on the shelf, so nothing can be sold twice
    expect(await shop.stock(sku)).toEqual(expect.objectContaining({ onHand: 8, reserved: 0, available: 8 }));
    expect(await restocks(orderId)).toEqual([]);
    expect(shop.messages(orderId, ORDERING_TYPES.cancelled)).toEqual([
      expect.objectContaining({ wasConfirmed: true, goodsWithCarrier: true }),
    ]);

    // the parcel arrives back: now its units are on hand, once, and no money moves
    await carrierReports(tracking, 'returned_to_sender');
    expect(await shop.order(orderId)).toMatchObject({ status: 'refunded', parcelReturn: { reason: 'returned_to_sender' } });
    expect((await shipment(orderId)).status).toBe('returned_to_sender');
    expect(await shop.stock(sku)).toEqual(expect.objectContaining({ onHand: 10, reserved: 0, available: 10 }));
    expect(await restocks(orderId)).toEqual([{ on_hand_change: 2 }]);
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: captured });

    // the carrier says it again: nothing moves
    const settled = await footprint(orderId, sku);
    await carrierReports(tracking, 'returned_to_sender');
    const inbox = settled.counts['messaging.inbox'] + 1;
    expect(await footprint(orderId, sku)).toEqual({ ...settled, counts: { ...settled.counts, 'messaging.inbox': inbox } });
    await deliveryReportChangesNothing(orderId, sku, tracking);
  });

  it('an interception that fails after the cancellation: the delivery is recorded for staff on the shipment and the order, no stock comes back and nothing is charged', async () => {
    const { t } = shop;
    const customer = await t.registerAndLogin('customer');
    const { orderId, sku, tracking, captured } = await shippedOrder(customer, 'intercepted');
    await staffCancels(orderId, captured, 'intercepted');

    const delivered = await carrierReports(tracking, 'delivered');
    const parcel = await shipment(orderId);
    expect(parcel).toMatchObject({ status: 'delivered', deliveredAt: delivered.occurredAt, interceptionFailedAt: delivered.occurredAt });
    expect(parcel.history.map((h) => h.status)).toEqual(['dispatched', 'intercepted', 'delivered']);
    // the order stays cancelled and refunded; staff see that the customer has the goods and settle it with them
    expect(await shop.order(orderId)).toMatchObject({
      status: 'refunded',
      parcelReturn: { reason: 'intercepted' },
      interceptionFailedAt: delivered.occurredAt,
    });
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: captured });
    expect(await shop.stock(sku)).toEqual(expect.objectContaining({ onHand: 8, reserved: 0, available: 8 }));
    expect(await restocks(orderId)).toEqual([]);
    expect(shop.messages(orderId, ORDERING_TYPES.delivered)).toEqual([]);

    // delivered is final: a return report afterwards brings nothing back on hand
    const settled = await footprint(orderId, sku);
    await carrierReports(tracking, 'returned_to_sender');
    const inbox = settled.counts['messaging.inbox'] + 1;
    expect(await footprint(orderId, sku)).toEqual({ ...settled, counts: { ...settled.counts, 'messaging.inbox': inbox } });
  });

  it('an interception that fails before anyone cancelled: the order is delivered, so it is returned, not cancelled', async () => {
    const { t, post } = shop;
    const customer = await t.registerAndLogin('customer');
    const { orderId, sku, tracking, captured } = await shippedOrder(customer, 'intercepted');
    const delivered = await carrierReports(tracking, 'delivered');
    expect(await shop.order(orderId)).toMatchObject({
      status: 'delivered',
      deliveredAt: delivered.occurredAt,
      interceptionFailedAt: delivered.occurredAt,
      refunds: [],
    });
    expect(shop.messages(orderId, ORDERING_TYPES.delivered)).toHaveLength(1);
    const refused = await staff.send(`/api/v1/orders/${orderId}/cancel`);
    expect(refused.json()).toMatchObject({ status: 409, code: 'ordering.order_shipped' });
    const ret = await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity: 1 }] });
    expect(ret.statusCode, ret.body).toBe(201);
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: 0 });
    expect(await shop.stock(sku)).toEqual(expect.objectContaining({ onHand: 8, reserved: 0, available: 8 }));
  });

  it('leaves the database consistent: stock, payments, streams and deliveries reconcile', async () => {
    await shop.t.drain();
    expect(await invariantViolations(shop.db)).toEqual([]);
    expect(await deliveryViolations(shop.db)).toEqual([]);
  });
});
