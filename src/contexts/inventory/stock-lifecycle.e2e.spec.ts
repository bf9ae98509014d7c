import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';
import { type IntegrationMessage, MessageBus } from '../../platform/messaging/message-bus';
import type { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { OrderingMessages } from '../ordering/contracts';
import { InventoryMessages } from './contracts';

const TTL = 60_000;
const THRESHOLD = 3;

let t: TestApp;
let admin: LoggedIn;
let staff: LoggedIn;
let customer: LoggedIn;
const published: IntegrationMessage[] = [];

beforeAll(async () => {
  t = await bootTestApp({ configOverrides: { reservationTtlMs: TTL, lowStockThreshold: THRESHOLD } });
  const types = [
    InventoryMessages.stockReserved,
    InventoryMessages.stockReleased,
    InventoryMessages.lowStock,
    InventoryMessages.stockShortfall,
  ];
  await t.get(MessageBus).subscribe('test.inventory-lifecycle', types, async (m) => void published.push(m));
  [admin, staff, customer] = await Promise.all([t.registerAndLogin('admin'), t.registerAndLogin('staff'), t.registerAndLogin('customer')]);
});
afterAll(async () => t?.close());

const sku = () => `LIFE-${newId().slice(-12)}`;
const publish = async (type: string, data: object, id = newId()) => {
  await t.get(MessageBus).publish([{ id, type, occurredAt: new Date().toISOString(), correlationId: newId(), data }]);
  await t.drain();
};
const reserve = (orderId: string, lines: { sku: string; quantity: number }[]) =>
  publish(InventoryMessages.reserveStock, { orderId, lines });
const level = async (s: string) => (await t.inject('GET', `/api/v1/inventory/${s}`, { token: staff.token })).json();
const setStock = (s: string, onHand: number) => t.inject('PUT', `/api/v1/inventory/${s}`, { token: admin.token, body: { onHand } });
const restock = (s: string, body: unknown, token = staff.token, key?: string) =>
  t.inject('POST', `/api/v1/inventory/${s}/restock`, { token, body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });
const adjust = (s: string, body: unknown, token = staff.token) => t.inject('POST', `/api/v1/inventory/${s}/adjustments`, { token, body });
const ledger = async (s: string, query: Record<string, string> = {}) =>
  (await t.inject('GET', `/api/v1/inventory/${s}/ledger`, { token: staff.token, query })).json();
const about = (orderId: string, type: string) =>
  published.filter((m) => m.type === type && (m.data as { orderId?: string }).orderId === orderId);

describe('stock movements over HTTP', () => {
  it('lets staff read levels, restock, adjust and read the ledger; only admins set levels; customers get 403', async () => {
    const s = sku();
    expect((await setStock(s, 5)).statusCode).toBe(200);
    expect((await t.inject('PUT', `/api/v1/inventory/${s}`, { token: staff.token, body: { onHand: 9 } })).statusCode).toBe(403);
    expect(await level(s)).toEqual({ sku: s, onHand: 5, reserved: 0, available: 5 });
    const routes: [string, string, unknown?][] = [
      ['GET', `/api/v1/inventory/${s}`],
      ['PUT', `/api/v1/inventory/${s}`, { onHand: 1 }],
      ['POST', `/api/v1/inventory/${s}/restock`, { quantity: 1, reason: 'delivery' }],
      ['POST', `/api/v1/inventory/${s}/adjustments`, { delta: 1, reason: 'found' }],
      ['GET', `/api/v1/inventory/${s}/ledger`],
    ];
    for (const [method, url, body] of routes) {
      expect((await t.inject(method, url, { token: customer.token, body })).json()).toMatchObject({ status: 403 });
      expect((await t.inject(method, url, { body })).statusCode).toBe(401);
    }
    expect(await level(s)).toMatchObject({ onHand: 5 });
  });

  it('restocks and adjusts with a reason, refuses what would oversell, and lists every movement in the ledger', async () => {
    const s = sku();
    const key = newId();
    const body = { quantity: 10, reason: 'supplier_delivery', note: 'PO-42' };
    expect((await restock(s, body, staff.token, key)).json()).toEqual({ sku: s, onHand: 10, reserved: 0, available: 10 });
    expect((await restock(s, body, staff.token, key)).json()).toMatchObject({ onHand: 10 }); // a replay, not a second restock
    const orderId = newId();
    await reserve(orderId, [{ sku: s, quantity: 4 }]);
    expect((await adjust(s, { delta: -2, reason: 'damaged', note: 'crushed box' })).json()).toEqual({
      sku: s,
      onHand: 8,
      reserved: 4,
      available: 4,
    });
    expect((await adjust(s, { delta: -5, reason: 'lost' })).json()).toMatchObject({ status: 409, code: 'inventory.insufficient_stock' });
    expect((await adjust(s, { delta: 1, reason: 'found' }, admin.token)).statusCode).toBe(200);
    expect((await setStock(s, 6)).statusCode).toBe(200);

    const first = await ledger(s, { limit: '2' });
    expect(first.items).toMatchObject([
      { kind: 'set_level', reason: 'set_level', quantity: -3, onHand: 6, reserved: 4, available: 2, by: admin.user.id },
      { kind: 'adjustment', reason: 'found', quantity: 1, onHand: 9, by: admin.user.id },
    ]);
    const rest = await ledger(s, { limit: '10', cursor: first.nextCursor });
    expect(rest.nextCursor).toBeNull();
    expect(rest.items).toMatchObject([
      { kind: 'adjustment', reason: 'damaged', note: 'crushed box', quantity: -2, onHand: 8, reserved: 4, available: 4, by: staff.user.id },
      { kind: 'reservation', reason: 'reservation', quantity: 0, reservedChange: 4, orderId, by: null },
      { kind: 'restock', reason: 'supplier_delivery', note: 'PO-42', quantity: 10, onHand: 10, by: staff.user.id },
    ]);
    expect(Date.parse(rest.items[0].at)).not.toBeNaN();
  });

  it('refuses malformed movements and queries with 400, unknown SKUs with 404', async () => {
    const s = sku();
    await setStock(s, 5);
    for (const bad of [
      { quantity: 0, reason: 'x' },
      { quantity: 1.5, reason: 'x' },
      { quantity: 1 },
      { quantity: 1, reason: ' ' },
      { quantity: 1, reason: 'x', onHand: 9 },
    ])
      expect((await restock(s, bad)).json(), JSON.stringify(bad)).toMatchObject({ status: 400 });
    for (const bad of [
      { delta: 0, reason: 'lost' },
      { delta: -1, reason: 'stolen' },
      { delta: 1, reason: 'found', note: 'x'.repeat(501) },
      { delta: '1', reason: 'found' },
    ])
      expect((await adjust(s, bad)).json(), JSON.stringify(bad)).toMatchObject({ status: 400 });
    expect((await restock('bad sku!', { quantity: 1, reason: 'x' })).json()).toMatchObject({ status: 400, code: 'inventory.invalid_sku' });
    expect(await ledger(s, { cursor: 'not-a-cursor' })).toMatchObject({ status: 400, code: 'inventory.invalid_cursor' });
    expect(await ledger(s, { limit: '1000' })).toMatchObject({ status: 400 });
    expect(await ledger(sku())).toMatchObject({ status: 404, code: 'inventory.sku_not_found' });
    expect(await level(s)).toMatchObject({ onHand: 5 });
  });
});

describe("ordering's lifecycle on the bus", () => {
  it('commits a confirmed order, puts it back on hand when cancelled, and restocks a return: once each', async () => {
    const s = sku();
    await setStock(s, 10);
    const orderId = newId();
    await reserve(orderId, [{ sku: s, quantity: 3 }]);
    const confirmed = { orderId, customerId: customer.user.id, total: { amount: 3000, currency: 'EUR' } };
    const confirmedId = newId();
    await publish(OrderingMessages.orderConfirmed, confirmed, confirmedId);
    await publish(OrderingMessages.orderConfirmed, confirmed, confirmedId); // redelivered
    await publish(OrderingMessages.orderConfirmed, confirmed); // published twice
    expect(await level(s)).toEqual({ sku: s, onHand: 7, reserved: 0, available: 7 });

    const cancelled = { orderId, customerId: customer.user.id, reason: 'cancelled_by_staff', wasConfirmed: true };
    await publish(OrderingMessages.orderCancelled, cancelled);
    await publish(OrderingMessages.orderCancelled, cancelled);
    await publish(InventoryMessages.releaseStock, { orderId }); // a late compensation changes nothing either
    expect(await level(s)).toEqual({ sku: s, onHand: 10, reserved: 0, available: 10 });

    const approved = {
      returnId: newId(),
      orderId: newId(),
      customerId: customer.user.id,
      lines: [{ sku: s, quantity: 2 }],
      refund: { amount: 2000, currency: 'EUR' },
    };
    await publish(OrderingMessages.returnApproved, approved);
    await publish(OrderingMessages.returnApproved, approved);
    expect(await level(s)).toMatchObject({ onHand: 12, available: 12 });
    expect((await ledger(s)).items.map((e: { reason: string; quantity: number }) => [e.reason, e.quantity])).toEqual([
      ['return', 2],
      ['order_cancelled', 3],
      ['reservation_committed', -3],
      ['reservation', 0],
      ['set_level', 10],
    ]);
    expect(about(orderId, InventoryMessages.stockReleased)).toEqual([]);
  });

  it('keeps the stock of an order cancelled while the carrier has its parcel off the shelf until the parcel is returned to sender: once, whichever message comes first', async () => {
    const s = sku();
    await setStock(s, 10);
    const [backLater, backFirst, neverBack] = [newId(), newId(), newId()];
    for (const orderId of [backLater, backFirst, neverBack]) {
      await reserve(orderId, [{ sku: s, quantity: 2 }]);
      await publish(OrderingMessages.orderConfirmed, { orderId, customerId: customer.user.id, total: { amount: 2000, currency: 'EUR' } });
    }
    expect(await level(s)).toMatchObject({ onHand: 4, reserved: 0 });
    const cancelled = (orderId: string) => ({
      orderId,
      customerId: customer.user.id,
      reason: 'cancelled_by_staff',
      wasConfirmed: true,
      goodsWithCarrier: true,
    });
    const parcel = (orderId: string, reason: string, orderCancelled: boolean) => ({
      orderId,
      customerId: customer.user.id,
      reason,
      orderCancelled,
      reportedAt: new Date().toISOString(),
    });

    // cancelled while intercepted: nothing on the shelf; an interception report, nothing either; the return, two units
    await publish(OrderingMessages.orderCancelled, cancelled(backLater));
    await publish(OrderingMessages.orderParcelReturned, parcel(backLater, 'intercepted', false));
    expect(await level(s)).toMatchObject({ onHand: 4, reserved: 0 });
    await publish(OrderingMessages.orderParcelReturned, parcel(backLater, 'returned_to_sender', true));
    await publish(OrderingMessages.orderParcelReturned, parcel(backLater, 'returned_to_sender', true));
    expect(await level(s)).toMatchObject({ onHand: 6, reserved: 0 });

    // messages of two different requests may arrive in either order: the return first, then the cancellation
    await publish(OrderingMessages.orderParcelReturned, parcel(backFirst, 'returned_to_sender', true));
    await publish(OrderingMessages.orderCancelled, cancelled(backFirst));
    expect(await level(s)).toMatchObject({ onHand: 8, reserved: 0 });

    // the interception failed: the customer has the goods, they never come back on hand; a parcel of an order that is
    // not cancelled is back too, but its cancellation (goods back) is what restocks it
    await publish(OrderingMessages.orderCancelled, cancelled(neverBack));
    expect(await level(s)).toMatchObject({ onHand: 8, reserved: 0 });
    const notCancelled = newId();
    await reserve(notCancelled, [{ sku: s, quantity: 1 }]);
    await publish(OrderingMessages.orderConfirmed, {
      orderId: notCancelled,
      customerId: customer.user.id,
      total: { amount: 1000, currency: 'EUR' },
    });
    await publish(OrderingMessages.orderParcelReturned, parcel(notCancelled, 'returned_to_sender', false));
    expect(await level(s)).toMatchObject({ onHand: 7, reserved: 0 });

    const restocks = (await ledger(s, { limit: '100' })).items.filter((e: { reason: string }) => e.reason === 'order_cancelled');
    expect(restocks.map((e: { orderId: string; quantity: number }) => [e.orderId, e.quantity]).sort()).toEqual(
      [
        [backLater, 2],
        [backFirst, 2],
      ].sort(),
    );
  });

  it("composes the checkout's compensation with the order's cancellation in either order: one release", async () => {
    const s = sku();
    await setStock(s, 6);
    const [first, second] = [newId(), newId()];
    await reserve(first, [{ sku: s, quantity: 2 }]);
    await reserve(second, [{ sku: s, quantity: 2 }]);
    await publish(InventoryMessages.releaseStock, { orderId: first });
    await publish(OrderingMessages.orderCancelled, { orderId: first, customerId: customer.user.id, reason: 'payment_declined' });
    await publish(OrderingMessages.orderCancelled, { orderId: second, customerId: customer.user.id, reason: 'timeout' });
    await publish(InventoryMessages.releaseStock, { orderId: second });
    expect(await level(s)).toEqual({ sku: s, onHand: 6, reserved: 0, available: 6 });
    expect(about(first, InventoryMessages.stockReleased).map((m) => m.data)).toEqual([
      { orderId: first, lines: [{ sku: s, quantity: 2 }], reason: 'requested' },
    ]);
    expect(about(second, InventoryMessages.stockReleased).map((m) => m.data)).toEqual([
      { orderId: second, lines: [{ sku: s, quantity: 2 }], reason: 'order_cancelled' },
    ]);
  });

  it('releases a hold when its time is up (stock-released, reason expired); a late confirmation takes the units again', async () => {
    const clock = t.clock as ManualClock;
    const s = sku();
    await setStock(s, 8);
    const [idle, confirmedLate] = [newId(), newId()];
    await reserve(idle, [{ sku: s, quantity: 2 }]);
    await reserve(confirmedLate, [{ sku: s, quantity: 1 }]);
    clock.advance(TTL - 1);
    await t.drain();
    expect(await level(s)).toMatchObject({ reserved: 3, available: 5 });

    clock.advance(1);
    await t.drain();
    expect(await level(s)).toEqual({ sku: s, onHand: 8, reserved: 0, available: 8 });
    expect(about(idle, InventoryMessages.stockReleased).map((m) => m.data)).toEqual([
      { orderId: idle, lines: [{ sku: s, quantity: 2 }], reason: 'expired' },
    ]);
    await publish(OrderingMessages.orderConfirmed, {
      orderId: confirmedLate,
      customerId: customer.user.id,
      total: { amount: 1, currency: 'EUR' },
    });
    expect(await level(s)).toEqual({ sku: s, onHand: 7, reserved: 0, available: 7 });
    expect((await ledger(s)).items.slice(0, 3).map((e: { kind: string; reason: string }) => [e.kind, e.reason])).toEqual([
      ['commit', 'reservation_committed'],
      ['release', 'expired'],
      ['release', 'expired'],
    ]);
  });

  it('publishes inventory.low-stock.v1 when available falls below the threshold, once per crossing', async () => {
    const s = sku();
    await setStock(s, 5);
    const orders = [newId(), newId()];
    await reserve(orders[0], [{ sku: s, quantity: 3 }]);
    await reserve(orders[1], [{ sku: s, quantity: 1 }]);
    await publish(InventoryMessages.releaseStock, { orderId: orders[0] });
    expect((await adjust(s, { delta: -2, reason: 'damaged' })).statusCode).toBe(200);
    await t.drain();
    const low = published.filter((m) => m.type === InventoryMessages.lowStock && (m.data as { sku: string }).sku === s);
    expect(low.map((m) => m.data)).toEqual([
      { sku: s, available: 2, threshold: THRESHOLD },
      { sku: s, available: 2, threshold: THRESHOLD },
    ]);
  });
});
