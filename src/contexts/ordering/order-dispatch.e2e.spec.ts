import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../shared-kernel/ids';
import { deliveryViolations, invariantViolations } from '../../../test/support/invariants';
import { openShop, ORDERING_TYPES, PRICE, SHIPPING, type Shop } from '../../../test/support/order-shop';
import { Carriers, type ParcelRegistration } from '../shipping/application/ports';
import { Shipments } from '../shipping/contracts';
import { SandboxCarrier, sandboxTrackingEvent } from '../shipping/infrastructure/sandbox.carrier';

/**
 * The sandbox carrier, except that a registration can be held at the carrier's door: the test then acts while a
 * parcel is being handed over, and lets the carrier answer (or fail, as a crash or a timeout would) when it chooses.
 */
class GatedSandboxCarrier extends SandboxCarrier {
  private gate: { entered: PromiseWithResolvers<void>; outcome: PromiseWithResolvers<void> } | null = null;

  /** The next registration waits at the door: `entered` resolves once it does; `open(error?)` lets it through or fails it. */
  hold(): { entered: Promise<void>; open: (error?: Error) => void } {
    const gate = { entered: Promise.withResolvers<void>(), outcome: Promise.withResolvers<void>() };
    this.gate = gate;
    return {
      entered: gate.entered.promise,
      open: (error) => (error ? gate.outcome.reject(error) : gate.outcome.resolve()),
    };
  }

  override async register(parcel: ParcelRegistration): Promise<void> {
    const gate = this.gate;
    this.gate = null;
    if (gate) {
      gate.entered.resolve();
      await gate.outcome.promise;
    }
    await super.register(parcel);
  }
}

/**
 * Handing an order to a carrier takes two contexts: shipping registers the parcel, then the order records it. The order
 * says first that a dispatch is under way, so nobody cancels (refunds and restocks) an order whose parcel is being
 * handed over; a dispatch the carrier refuses is recorded and frees the order again; one interrupted is finished by
 * retrying it, and shipping's own record of the parcel reconciles the order when the order never heard back.
 */
describe('dispatching an order (e2e)', () => {
  let shop: Shop;
  const carrier = new GatedSandboxCarrier();

  beforeAll(async () => {
    shop = await openShop({ overrideProviders: [{ provide: Carriers, useValue: new Carriers([carrier]) }] });
  });
  afterAll(async () => {
    await shop?.t.close();
  });

  const captured = 2 * PRICE + SHIPPING;
  const shipBody = (trackingNumber: string) => ({ carrier: 'sandbox', trackingNumber });
  const shipRequest = (orderId: string, trackingNumber: string) =>
    shop.post(`/api/v1/orders/${orderId}/ship`, shop.staff.token, shipBody(trackingNumber));
  const orderEvents = async (orderId: string) =>
    (
      await shop.db.query<{ type: string }>(`select type from es.events where stream = $1 order by version`, [`ordering.order-${orderId}`])
    ).rows.map((r) => r.type);
  const restocks = async (orderId: string) =>
    Number(
      (
        await shop.db.query<{ n: string }>(
          `select count(*) as n from inventory.stock_ledger where order_id = $1 and kind = 'order_cancelled'`,
          [orderId],
        )
      ).rows[0].n,
    );

  /** The customer's and staff's cancellations are refused while the order is dispatching, and change nothing. */
  const nobodyCancels = async (orderId: string, customerToken: string) => {
    for (const token of [customerToken, shop.staff.token, shop.admin.token]) {
      const res = await shop.post(`/api/v1/orders/${orderId}/cancel`, token);
      expect(res.json()).toMatchObject({ status: 409, code: 'ordering.order_not_cancellable' });
      expect(res.json().detail).toContain('dispatching');
    }
  };

  /** Shipped with exactly this parcel: nothing refunded or put back on hand, one shipment at shipping. */
  const shippedIntact = async (orderId: string, sku: string, trackingNumber: string) => {
    await shop.t.drain();
    expect(await shop.order(orderId)).toMatchObject({
      status: 'shipped',
      shipment: { carrier: 'sandbox', trackingNumber },
      refunds: [],
      refundedTotal: { amount: 0 },
    });
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: 0 });
    expect(await shop.stock(sku)).toEqual(expect.objectContaining({ onHand: 8, reserved: 0, available: 8 }));
    expect(await restocks(orderId)).toBe(0);
    expect(shop.messages(orderId, ORDERING_TYPES.cancelled)).toEqual([]);
    expect(shop.messages(orderId, ORDERING_TYPES.shipped)).toEqual([expect.objectContaining({ carrier: 'sandbox', trackingNumber })]);
    const parcel = await shop.t.inject('GET', `/api/v1/shipments/${orderId}`, { token: shop.staff.token });
    expect(parcel.json()).toMatchObject({ status: 'dispatched', trackingNumber });
  };

  it('while the parcel is being handed to the carrier, nobody cancels the order: no refund, no restock of goods that are leaving', async () => {
    const customer = await shop.t.registerAndLogin('customer');
    const { orderId, sku } = await shop.confirmedOrder(customer, 2);
    const trackingNumber = shop.trackingNumber();
    const door = carrier.hold();
    const shipping = shipRequest(orderId, trackingNumber);
    await door.entered;

    expect(await shop.order(orderId)).toMatchObject({ status: 'dispatching', dispatch: { carrier: 'sandbox', trackingNumber } });
    await nobodyCancels(orderId, customer.token);
    const another = await shipRequest(orderId, shop.trackingNumber());
    expect(another.json()).toMatchObject({ status: 409, code: 'ordering.dispatch_in_progress' });

    door.open();
    const shipped = await shipping;
    expect(shipped.statusCode, shipped.body).toBe(200);
    expect(shipped.json()).toMatchObject({ status: 'shipped', shipment: { trackingNumber } });
    expect(shipped.json()).not.toHaveProperty('dispatch');
    await shippedIntact(orderId, sku, trackingNumber);
    expect(await orderEvents(orderId)).toEqual(['OrderPlaced', 'OrderConfirmed', 'OrderDispatchRequested', 'OrderShipped']);
  });

  it('an unknown carrier writes nothing; a dispatch the carrier refuses is recorded as failed and frees the order: it may be shipped again, or cancelled', async () => {
    const customer = await shop.t.registerAndLogin('customer');
    const { orderId, sku } = await shop.confirmedOrder(customer, 2);
    const unknown = await shop.post(`/api/v1/orders/${orderId}/ship`, shop.staff.token, {
      carrier: 'pigeon',
      trackingNumber: shop.trackingNumber(),
    });
    expect(unknown.json()).toMatchObject({ status: 422, code: 'shipping.unknown_carrier' });
    // bad input shipping knows without asking the carrier: refused before the order records anything
    expect(await orderEvents(orderId)).toEqual(['OrderPlaced', 'OrderConfirmed']);
    const refused = await shipRequest(orderId, 'NOT-A-PARCEL');
    expect(refused.json()).toMatchObject({ status: 422, code: 'shipping.tracking_number_refused' });
    expect(await shop.order(orderId)).toMatchObject({ status: 'confirmed' });
    expect(await shop.order(orderId)).not.toHaveProperty('dispatch');
    expect(await orderEvents(orderId)).toEqual(['OrderPlaced', 'OrderConfirmed', 'OrderDispatchRequested', 'OrderDispatchFailed']);
    const trackingNumber = shop.trackingNumber();
    expect((await shipRequest(orderId, trackingNumber)).statusCode).toBe(200);
    await shippedIntact(orderId, sku, trackingNumber);

    const other = await shop.confirmedOrder(customer, 2);
    expect((await shipRequest(other.orderId, 'NOT-A-PARCEL')).statusCode).toBe(422);
    const cancelled = await shop.post(`/api/v1/orders/${other.orderId}/cancel`, customer.token);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await shop.t.drain();
    expect(await shop.order(other.orderId)).toMatchObject({ status: 'refunded' });
    expect(await shop.ledger(other.orderId)).toEqual({ captured, refunded: captured });
    expect(await shop.stock(other.sku)).toEqual(expect.objectContaining({ onHand: 10, reserved: 0, available: 10 }));
  });

  it('a dispatch interrupted after the order recorded it keeps the order from being cancelled, and retrying the same request finishes it', async () => {
    const customer = await shop.t.registerAndLogin('customer');
    const { orderId, sku } = await shop.confirmedOrder(customer, 2);
    const trackingNumber = shop.trackingNumber();
    const door = carrier.hold();
    const shipping = shipRequest(orderId, trackingNumber);
    await door.entered;
    door.open(new Error('connection reset by the carrier'));
    const failed = await shipping;
    expect(failed.statusCode, failed.body).toBe(500);
    expect(failed.headers['content-type']).toMatch(/^application\/problem\+json/);

    // nobody knows whether the carrier took the parcel: the order stays dispatching until the dispatch is retried
    expect(await shop.order(orderId)).toMatchObject({ status: 'dispatching', dispatch: { trackingNumber } });
    await nobodyCancels(orderId, customer.token);
    const another = await shipRequest(orderId, shop.trackingNumber());
    expect(another.json()).toMatchObject({ status: 409, code: 'ordering.dispatch_in_progress' });

    const retried = await shipRequest(orderId, trackingNumber);
    expect(retried.statusCode, retried.body).toBe(200);
    await shippedIntact(orderId, sku, trackingNumber);
    expect(await orderEvents(orderId)).toEqual(['OrderPlaced', 'OrderConfirmed', 'OrderDispatchRequested', 'OrderShipped']);
  });

  it("shipping recorded the parcel but the order never heard back (a crash between the two): shipping's facts ship the order, and the carrier's reports reach it", async () => {
    const { t } = shop;
    const customer = await t.registerAndLogin('customer');
    const { orderId, sku } = await shop.confirmedOrder(customer, 2);
    const trackingNumber = shop.trackingNumber();
    const door = carrier.hold();
    const shipping = shipRequest(orderId, trackingNumber);
    await door.entered;
    door.open(new Error('the process died here'));
    expect((await shipping).statusCode).toBe(500);
    // what the crashed request did next, before it could record the shipment on the order
    const { shippingAddress } = await shop.order(orderId);
    const meta = { commandId: newId(), correlationId: newId(), now: t.clock.now() };
    await t.get(Shipments).dispatch({ orderId, carrier: 'sandbox', trackingNumber, address: shippingAddress }, meta);
    for (const status of ['in_transit', 'delivered'] as const) {
      const event = { id: newId(), trackingNumber, status, occurredAt: t.clock.now().toISOString() };
      const signed = sandboxTrackingEvent(t.config.carrierWebhookSecret, event);
      const res = await t.inject('POST', '/api/v1/shipping/webhooks/sandbox', { headers: signed.headers, body: signed.body });
      expect(res.json(), res.body).toEqual({ received: true, duplicate: false });
    }
    await t.drain();

    expect(await shop.order(orderId)).toMatchObject({
      status: 'delivered',
      shipment: { carrier: 'sandbox', trackingNumber },
      refunds: [],
    });
    expect(shop.messages(orderId, ORDERING_TYPES.shipped)).toHaveLength(1);
    expect(shop.messages(orderId, ORDERING_TYPES.delivered)).toHaveLength(1);
    expect(await shop.ledger(orderId)).toEqual({ captured, refunded: 0 });
    expect(await shop.stock(sku)).toEqual(expect.objectContaining({ onHand: 8, reserved: 0, available: 8 }));
    // staff retrying the ship request later find it done
    const retried = await shipRequest(orderId, trackingNumber);
    expect(retried.json()).toMatchObject({ status: 'delivered' });
  });

  it('leaves the database consistent: stock, payments, streams and deliveries reconcile', async () => {
    await shop.t.drain();
    expect(await invariantViolations(shop.db)).toEqual([]);
    expect(await deliveryViolations(shop.db)).toEqual([]);
  });
});
