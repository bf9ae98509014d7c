import { randomInt, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { sandboxTrackingEvent, sandboxTrackingNumber } from '../../src/contexts/shipping/infrastructure/sandbox.carrier';
import { apiClient, type ApiReply, describeReply, eventually, expectStatus, uniqueTag, WAIT_MS } from './http-client';

/**
 * A shop set up through the public API of a running deployment, for the HTTP journeys: its own category, shipping
 * method, staff member, products and customers (every name carries a tag unique to the shop), and the reads that
 * journeys assert with. Nothing here touches a database or the processes behind the URL.
 */

/** The deployment a journey runs against. */
export type JourneyTarget = {
  /** the deployment's origin, e.g. `http://127.0.0.1:8080` (the API is under /api/v1) */
  baseUrl: string;
  /** an admin's access token */
  adminToken: string;
  /** CARRIER_WEBHOOK_SECRET of the deployment: the sandbox carrier signs its tracking events with it */
  carrierWebhookSecret: string;
  /** PAYMENT_PROVIDER_TIMEOUT_MS of the deployment: the sandbox's `tok_slow` answers 1 s after it */
  paymentProviderTimeoutMs: number;
};

export const PRICE = 1250;
export const SHIPPING = 490;
export const ADDRESS = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const PASSWORD = 'journey passphrase of a customer';

type Money = { amount: number; currency: string };
export type OrderView = {
  id: string;
  status: string;
  cancellationReason?: string;
  lines: { sku: string; quantity: number; unitPrice: Money }[];
  total: Money;
  refundedTotal: Money;
  refunds: { id: string; amount: Money; reason: string; status: string; returnId?: string }[];
  returns: { id: string; status: string; refund?: Money }[];
  shipment?: { carrier: string; trackingNumber: string };
  deliveredAt?: string;
};
export type PaymentView = {
  status: string;
  captured: number;
  refunded: number;
  entries: { kind: string; amount: number | null; reason: string | null }[];
};
export type StockLevel = { sku: string; onHand: number; reserved: number; available: number };
export type ProductView = {
  id: string;
  published: boolean;
  variants: { sku: string; availableStock: number }[];
  rating: { average: number; count: number };
};
export type Customer = { id: string; email: string; password: string; token: string };
export type CheckoutOutcome = { orderId: string; status: string; cancellationReason?: string };

/** The longest `Prefer: wait` the API honours, in seconds. */
const WAIT_S = 30;

export const openShop = async (target: JourneyTarget) => {
  const api = apiClient(target.baseUrl);
  const admin = target.adminToken;
  const tag = uniqueTag();
  const category = `journey-${tag}`;
  const shippingMethod = `journey-${tag}`;
  expectStatus(await api.post('/categories', { token: admin, body: { slug: category, name: `Journey ${tag}` } }), 201);
  const method = {
    code: shippingMethod,
    name: 'Journey standard',
    countries: 'all',
    currency: 'EUR',
    rate: { type: 'flat', amount: SHIPPING },
  };
  expectStatus(await api.post('/shipping-methods', { token: admin, body: method }), 201);

  let accounts = 0;
  let skus = 0;
  const newEmail = (role: string) => `${role}-${tag}-${++accounts}@example.com`;

  const logIn = async (email: string, password: string, headers: Record<string, string> = {}): Promise<string> =>
    expectStatus(await api.post<{ accessToken: string }>('/auth/login', { body: { email, password }, headers }), 200).accessToken;

  /** A new customer account, logged in. */
  const customer = async (name = 'Ada Lovelace'): Promise<Customer> => {
    const account = { email: newEmail('customer'), password: PASSWORD, name };
    const { id } = expectStatus(await api.post<{ id: string }>('/auth/register', { body: account }), 201);
    return { id, email: account.email, password: PASSWORD, token: await logIn(account.email, PASSWORD) };
  };

  let staffToken: Promise<string> | undefined;
  /** The shop's staff member (created by the admin on first use). */
  const staff = (): Promise<string> =>
    (staffToken ??= (async () => {
      const account = { email: newEmail('staff'), password: PASSWORD, name: 'Grace Hopper' };
      expectStatus(await api.post('/staff', { token: admin, body: account }), 201);
      return logIn(account.email, PASSWORD);
    })());

  /** A published product with one variant at PRICE, `onHand` units in stock, once the catalog shows them available. */
  const product = async (onHand: number): Promise<{ productId: string; sku: string }> => {
    const sku = `J-${tag}-${++skus}`.toUpperCase();
    const body = {
      name: `Journey mug ${sku}`,
      category,
      options: [{ name: 'Colour', values: ['Teal'] }],
      variants: [{ sku, price: { amount: PRICE, currency: 'EUR' }, options: { Colour: 'Teal' } }],
    };
    const { id: productId } = expectStatus(await api.post<ProductView>('/products', { token: admin, body }), 201);
    expect(expectStatus(await api.post<ProductView>(`/products/${productId}/publish`, { token: admin }), 200).published).toBe(true);
    expectStatus(await api.put(`/inventory/${sku}`, { token: admin, body: { onHand } }), 200);
    await eventually(
      `the catalog to show ${onHand} units of ${sku} available`,
      () => api.get<ProductView>(`/products/${productId}`, { token: admin }),
      (reply) => reply.body.variants?.find((v) => v.sku === sku)?.availableStock === onHand,
    );
    return { productId, sku };
  };

  const addToCart = async (token: string, sku: string, quantity: number) =>
    expectStatus(await api.post('/cart/items', { token, body: { sku, quantity } }), 200);

  /**
   * Checks out the customer's cart and waits until the checkout has ended: the checkout itself waits (`Prefer: wait`);
   * when it answers first (a gateway may shorten the wait), the order read waits for the rest.
   */
  const placeOrder = async (customer: Customer, paymentToken: string): Promise<CheckoutOutcome> => {
    const body = { paymentToken, shippingAddress: ADDRESS, shippingMethod };
    const outcome = expectStatus(await api.post<CheckoutOutcome>('/checkout', { token: customer.token, body, waitS: WAIT_S }), 202);
    if (outcome.status !== 'placed') return outcome;
    const read = await api.get<OrderView>(`/orders/${outcome.orderId}`, { token: customer.token, waitS: WAIT_S });
    const order = expectStatus(read, 200);
    expect(order.status, `the checkout did not end within ${WAIT_S} s: ${describeReply(read)}`).not.toBe('placed');
    return {
      orderId: order.id,
      status: order.status,
      ...(order.cancellationReason ? { cancellationReason: order.cancellationReason } : {}),
    };
  };

  const checkout = async (customer: Customer, sku: string, quantity: number, paymentToken: string): Promise<CheckoutOutcome> => {
    await addToCart(customer.token, sku, quantity);
    return placeOrder(customer, paymentToken);
  };

  const order = async (orderId: string, token = admin): Promise<OrderView> =>
    expectStatus(await api.get<OrderView>(`/orders/${orderId}`, { token }), 200);

  const orderUntil = (what: string, orderId: string, accepted: (order: OrderView) => boolean): Promise<OrderView> =>
    eventually(`order ${orderId} to be ${what}`, () => order(orderId), accepted);

  const payment = async (orderId: string): Promise<ApiReply<PaymentView>> => api.get<PaymentView>(`/payments/${orderId}`, { token: admin });

  const paymentUntil = async (what: string, orderId: string, accepted: (payment: PaymentView) => boolean): Promise<PaymentView> =>
    (
      await eventually(
        `the payment of ${orderId} to be ${what}`,
        () => payment(orderId),
        (r) => r.status === 200 && accepted(r.body),
      )
    ).body;

  /** Waits until the SKU's stock is `onHand` with nothing reserved. */
  const stockSettlesAt = async (sku: string, onHand: number): Promise<StockLevel> =>
    (
      await eventually(
        `the stock of ${sku} to settle at ${onHand} on hand, none reserved`,
        () => api.get<StockLevel>(`/inventory/${sku}`, { token: admin }),
        (reply) => reply.status === 200 && reply.body.onHand === onHand && reply.body.reserved === 0,
      )
    ).body;

  /** The kinds of the SKU's stock movements, oldest first (reservation, release, commit, return…). */
  const stockMovements = async (sku: string): Promise<string[]> => {
    const page = expectStatus(await api.get<{ items: { kind: string }[] }>(`/inventory/${sku}/ledger?limit=100`, { token: admin }), 200);
    return page.items.map((entry) => entry.kind).reverse();
  };

  /** Staff hand the order to the sandbox carrier; answers the parcel's tracking number. */
  const ship = async (orderId: string): Promise<string> => {
    const trackingNumber = sandboxTrackingNumber(randomInt(1_000_000_000));
    const body = { carrier: 'sandbox', trackingNumber };
    const shipped = expectStatus(await api.post<OrderView>(`/orders/${orderId}/ship`, { token: await staff(), body }), 200);
    expect(shipped).toMatchObject({ status: 'shipped', shipment: { carrier: 'sandbox', trackingNumber } });
    return trackingNumber;
  };

  /** The sandbox carrier reports the parcel delivered (a signed tracking event); waits until the order is delivered. */
  const deliverByCarrier = async (orderId: string, trackingNumber: string): Promise<OrderView> => {
    const event = { id: `evt-${randomUUID()}`, trackingNumber, status: 'delivered' as const, occurredAt: new Date().toISOString() };
    const signed = sandboxTrackingEvent(target.carrierWebhookSecret, event, new Date());
    // shipping may learn of the parcel after the ship request answered: until then the carrier's event is 404
    const received = await eventually(
      `shipping to accept the delivery of ${trackingNumber}`,
      () => api.post('/shipping/webhooks/sandbox', { rawBody: signed.body, headers: signed.headers }),
      (reply) => reply.status !== 404,
    );
    expect(expectStatus(received, 200)).toEqual({ received: true, duplicate: false });
    return orderUntil('delivered', orderId, (o) => o.status === 'delivered');
  };

  /** Staff mark the order delivered. */
  const deliverByStaff = async (orderId: string): Promise<OrderView> =>
    expectStatus(await api.post<OrderView>(`/orders/${orderId}/deliver`, { token: await staff() }), 200);

  return {
    api,
    admin,
    tag,
    logIn,
    customer,
    staff,
    product,
    addToCart,
    placeOrder,
    checkout,
    order,
    orderUntil,
    payment,
    paymentUntil,
    stockSettlesAt,
    stockMovements,
    ship,
    deliverByCarrier,
    deliverByStaff,
  };
};

export type HttpShop = Awaited<ReturnType<typeof openShop>>;

/** The longest a journey step waits for the deployment, for test timeouts that leave room for several waits. */
export const JOURNEY_TIMEOUT_MS = 4 * WAIT_MS;
