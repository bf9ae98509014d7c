import { expect } from 'vitest';
import { bootTestApp, type BootOptions, type InjectOptions, type LoggedIn, type TestApp } from './app';
import { type IntegrationMessage, MessageBus } from '../../src/platform/messaging/message-bus';
import { Database } from '../../src/platform/persistence/database';
import { newId } from '../../src/shared-kernel/ids';
import type { PostalAddress } from '../../src/shared-kernel/postal-address';

/** Shared by the order lifecycle e2e specs: a shop with stock, a flat shipping price, staff and an admin. */

export const PRICE = 1250;
export const SHIPPING = 490;
const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };

export type OrderJson = {
  id: string;
  status: string;
  cancellationReason?: string;
  total: { amount: number; currency: string };
  shippingAddress: PostalAddress;
  /** a parcel being handed to a carrier */
  dispatch?: { carrier: string; trackingNumber: string; requestedAt: string };
  shipment?: { carrier: string; trackingNumber: string; shippedAt: string };
  deliveredAt?: string;
  parcelReturn?: { reason: string; reportedAt: string };
  interceptionFailedAt?: string;
  refundedTotal: { amount: number; currency: string };
  refunds: { id: string; amount: { amount: number }; reason: string; status: string; returnId?: string; note?: string }[];
  returns: { id: string; status: string; lines: { sku: string; quantity: number }[]; refund?: { amount: number } }[];
};

export type Shop = Awaited<ReturnType<typeof openShop>>;

export const openShop = async (options: BootOptions = {}) => {
  const t: TestApp = await bootTestApp(options);
  const db = t.get(Database);
  const admin = await t.registerAndLogin('admin');
  const staff = await t.registerAndLogin('staff');
  // every ordering message published, to assert on the wire contract
  const published: IntegrationMessage[] = [];
  await t.get(MessageBus).subscribe('test.ordering-wire', Object.values(ORDERING_TYPES), async (m) => void published.push(m));
  expect((await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } })).statusCode).toBe(201);
  const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: SHIPPING } };
  expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);

  /** A mutating request with a fresh Idempotency-Key. */
  const post = (url: string, token: string, body?: unknown, options: InjectOptions = {}) =>
    t.inject('POST', url, { token, body, ...options, headers: { 'idempotency-key': newId(), ...options.headers } });

  const stockedProduct = async (onHand = 10): Promise<string> => {
    const sku = `MUG-${newId().slice(-12)}`;
    const body = { sku, name: 'Mug', category: 'mugs', price: { amount: PRICE, currency: 'EUR' } };
    expect((await t.inject('POST', '/api/v1/products', { token: admin.token, body })).statusCode).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand } })).statusCode).toBe(200);
    await t.drain();
    return sku;
  };

  /** Places an order of `quantity` × `sku` and leaves its checkout running (nothing is drained). */
  const placeOrder = async (customer: LoggedIn, sku: string, quantity: number, paymentToken = 'tok_approve'): Promise<string> => {
    expect((await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity } })).statusCode).toBe(200);
    const res = await post('/api/v1/checkout', customer.token, { paymentToken, shippingAddress: address, shippingMethod: 'standard' });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ orderId: string }>().orderId;
  };

  const order = async (orderId: string, token = admin.token): Promise<OrderJson> => {
    const res = await t.inject('GET', `/api/v1/orders/${orderId}`, { token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<OrderJson>();
  };

  /** A confirmed order of `quantity` units (paid: captured quantity × PRICE + SHIPPING). */
  const confirmedOrder = async (customer: LoggedIn, quantity = 2): Promise<{ orderId: string; sku: string }> => {
    const sku = await stockedProduct();
    const orderId = await placeOrder(customer, sku, quantity);
    await t.drain();
    expect((await order(orderId)).status).toBe('confirmed');
    return { orderId, sku };
  };

  let parcels = 0;
  const trackingNumber = () => `SBX${String(process.pid % 1000).padStart(3, '0')}${String(++parcels).padStart(6, '0')}`;

  const ship = async (orderId: string, tracking = trackingNumber()) => {
    const res = await post(`/api/v1/orders/${orderId}/ship`, staff.token, { carrier: 'sandbox', trackingNumber: tracking });
    expect(res.statusCode, res.body).toBe(200);
    return tracking;
  };

  const deliveredOrder = async (customer: LoggedIn, quantity = 2) => {
    const placed = await confirmedOrder(customer, quantity);
    await ship(placed.orderId);
    expect((await post(`/api/v1/orders/${placed.orderId}/deliver`, staff.token)).statusCode).toBe(200);
    return placed;
  };

  /** What the sandbox provider holds for an order: captured and refunded minor units. */
  const ledger = async (orderId: string) => {
    const { rows } = await db.query<{ captured: string; refunded: string }>(
      'select captured, refunded from payment_sandbox.payments where payment_id = $1',
      [orderId],
    );
    return rows[0] ? { captured: Number(rows[0].captured), refunded: Number(rows[0].refunded) } : undefined;
  };

  const stock = async (sku: string) =>
    (await t.inject('GET', `/api/v1/inventory/${sku}`, { token: admin.token })).json<{
      onHand: number;
      reserved: number;
      available: number;
    }>();

  const messages = (orderId: string, type: string) =>
    published.filter((m) => m.type === type && (m.data as { orderId?: string }).orderId === orderId).map((m) => m.data);

  return {
    t,
    db,
    admin,
    staff,
    post,
    stockedProduct,
    placeOrder,
    order,
    confirmedOrder,
    ship,
    trackingNumber,
    deliveredOrder,
    ledger,
    stock,
    messages,
  };
};

export const ORDERING_TYPES = {
  cancelled: 'ordering.order-cancelled.v1',
  shipped: 'ordering.order-shipped.v1',
  delivered: 'ordering.order-delivered.v1',
  refunded: 'ordering.order-refunded.v1',
  returnRequested: 'ordering.return-requested.v1',
  returnApproved: 'ordering.return-approved.v1',
} as const;
