import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../../../test/support/app';
import { type IntegrationMessage, MessageBus } from '../../platform/messaging/message-bus';
import { newId } from '../../shared-kernel/ids';
import { InventoryMessages, type ReleaseStockV1, type ReserveStockV1 } from './contracts';

let t: TestApp;
let admin: string;
const published: IntegrationMessage[] = [];

beforeAll(async () => {
  t = await bootTestApp();
  const types = [
    InventoryMessages.stockReserved,
    InventoryMessages.stockReservationRejected,
    InventoryMessages.stockReleased,
    InventoryMessages.stockLevelChanged,
  ];
  await t.get(MessageBus).subscribe('test.inventory-listener', types, async (m) => void published.push(m));
  admin = (await t.registerAndLogin('admin')).token;
});
afterAll(async () => t?.close());

const setStock = (sku: string, onHand: unknown, token = admin) => t.inject('PUT', `/api/v1/inventory/${sku}`, { token, body: { onHand } });
const send = async (type: string, data: ReserveStockV1 | ReleaseStockV1) => {
  await t.get(MessageBus).publish([{ id: newId(), type, occurredAt: new Date().toISOString(), correlationId: newId(), data }]);
  await t.drain();
};
const outcome = (orderId: string) => published.filter((m) => (m.data as { orderId?: string }).orderId === orderId).map((m) => m.type);

describe('inventory over HTTP and the bus', () => {
  it('sets stock levels (admin) and reads them (staff and admin)', async () => {
    expect((await setStock('INV-1', 10)).json()).toEqual({ sku: 'INV-1', onHand: 10, reserved: 0, available: 10 });
    expect((await t.inject('GET', '/api/v1/inventory/INV-1', { token: admin })).json()).toEqual({
      sku: 'INV-1',
      onHand: 10,
      reserved: 0,
      available: 10,
    });
    expect((await t.inject('GET', '/api/v1/inventory/NEVER', { token: admin })).json()).toMatchObject({
      status: 404,
      code: 'inventory.sku_not_found',
    });
    expect((await setStock('INV-1', -1)).statusCode).toBe(400);
    expect((await setStock('INV-1', 1.5)).statusCode).toBe(400);
    const staff = (await t.registerAndLogin('staff')).token;
    expect((await t.inject('GET', '/api/v1/inventory/INV-1', { token: staff })).json()).toMatchObject({ onHand: 10, available: 10 });
    expect((await setStock('INV-1', 5, staff)).statusCode).toBe(403);
    const customer = (await t.registerAndLogin('customer')).token;
    expect((await setStock('INV-1', 5, customer)).statusCode).toBe(403);
    expect((await t.inject('GET', '/api/v1/inventory/INV-1', { token: customer })).statusCode).toBe(403);
    expect((await t.inject('GET', '/api/v1/inventory/INV-1')).statusCode).toBe(401);
  });

  it('reserves all lines of an order from inventory.reserve-stock.v1, once, and publishes the outcome', async () => {
    await setStock('INV-A', 5);
    await setStock('INV-B', 5);
    const orderId = newId();
    const lines = [
      { sku: 'INV-B', quantity: 2 },
      { sku: 'INV-A', quantity: 1 },
    ];
    await send(InventoryMessages.reserveStock, { orderId, lines });
    await send(InventoryMessages.reserveStock, { orderId, lines });
    expect(outcome(orderId)).toEqual([InventoryMessages.stockReserved]);
    expect((await t.inject('GET', '/api/v1/inventory/INV-B', { token: admin })).json()).toEqual({
      sku: 'INV-B',
      onHand: 5,
      reserved: 2,
      available: 3,
    });
    expect(
      published.filter((m) => m.type === InventoryMessages.stockLevelChanged && (m.data as { sku: string }).sku === 'INV-B').at(-1)?.data,
    ).toEqual({
      sku: 'INV-B',
      onHand: 5,
      reserved: 2,
      available: 3,
      version: 2,
    });

    expect((await setStock('INV-B', 1)).json()).toMatchObject({ status: 409, code: 'inventory.on_hand_below_reserved' });

    await send(InventoryMessages.releaseStock, { orderId });
    expect(outcome(orderId)).toEqual([InventoryMessages.stockReserved, InventoryMessages.stockReleased]);
    expect((await t.inject('GET', '/api/v1/inventory/INV-B', { token: admin })).json().available).toBe(5);
  });

  it('rejects an order when one SKU is short and holds nothing for it', async () => {
    await setStock('INV-C', 5);
    await setStock('INV-D', 1);
    const orderId = newId();
    await send(InventoryMessages.reserveStock, {
      orderId,
      lines: [
        { sku: 'INV-C', quantity: 2 },
        { sku: 'INV-D', quantity: 2 },
      ],
    });
    expect(
      published.find((m) => m.type === InventoryMessages.stockReservationRejected && (m.data as { orderId: string }).orderId === orderId)
        ?.data,
    ).toEqual({
      orderId,
      reason: 'insufficient_stock',
      sku: 'INV-D',
      requested: 2,
      available: 1,
    });
    expect((await t.inject('GET', '/api/v1/inventory/INV-C', { token: admin })).json().available).toBe(5);
  });
});
