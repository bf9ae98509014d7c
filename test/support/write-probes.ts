import { expect } from 'vitest';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { newId } from '../../src/shared-kernel/ids';
import type { LoggedIn } from './app';
import { CATEGORY, CHECKOUT, PRICE, type SecurityShop, SHIPPING_ADDRESS, trackingNumber } from './security-shop';

/** The write routes of the mass-assignment probes (test/mass-assignment-probes.e2e.spec.ts), as realistic requests. */
/** Signed provider webhooks: the extra field must fail validation, not the signature. */
export type Signer = 'payment' | 'carrier';

export type Probe = {
  /** the caller; anonymous when absent */
  as?: () => LoggedIn;
  /** the URL with its parameters filled; the route's own path when it has none */
  url?: () => string;
  body: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** fields the caller may not set, each sent alone on top of the valid body */
  forbidden: () => Record<string, unknown>;
  /** the same inside a nested object: [property holding it, field, value] (`lines.0` for an array item) */
  nested?: [string, string, unknown][];
  sign?: Signer;
  /** status of the valid body, sent last */
  status: number;
  then?: (res: InjectResponse) => void | Promise<void>;
};

type PaymentView = { captured: number; currency: string; entries: { kind: string; providerRef: string | null }[] };

/** What the probes act with: filled by the spec's setup, read lazily by each probe. */
export type ProbeContext = { shop: SecurityShop; carol: LoggedIn; ids: Record<string, string> };

/**
 * Realistic valid requests of every write route, each with fields its caller may not set, in the order they can
 * succeed (each may use what an earlier one made: an address, a shipped order, a return, a review).
 */
export const writeProbes = (ctx: ProbeContext): Record<string, Probe> => {
  const { ids } = ctx;
  const sku = () => ctx.shop.product.sku;
  const now = () => Math.floor(ctx.shop.t.clock.now().getTime() / 1000);
  /** The sandbox provider's report of the capture it made for an order, under a new event id. */
  const captureReport = async (orderId: string) => {
    const res = await ctx.shop.ok(ctx.shop.t.inject('GET', `/api/v1/payments/${orderId}`, { token: ctx.shop.staff.token }));
    const { captured, currency, entries } = res.json<PaymentView>();
    const providerRef = entries.find((e) => e.kind === 'captured')?.providerRef ?? 'unknown';
    const data = { paymentId: orderId, providerRef, amount: captured, currency };
    return { id: `evt_probe_${newId()}`, type: 'payment.captured', created: now(), data };
  };
  return {
    'POST /api/v1/auth/register': {
      body: () => ({ email: `new-${newId()}@example.com`, password: 'correct horse battery staple', name: 'New Customer' }),
      forbidden: () => ({ role: 'admin', id: newId(), emailVerified: true }),
      status: 201,
      then: (res) => expect(res.json().role).toBe('customer'),
    },
    'POST /api/v1/auth/login': {
      body: () => ({ email: ctx.carol.user.email, password: ctx.carol.password }),
      forbidden: () => ({ role: 'admin', userId: ctx.shop.admin.user.id, scope: 'admin' }),
      status: 200,
    },
    'POST /api/v1/auth/refresh': {
      body: async () => ({ refreshToken: (await ctx.shop.t.login(ctx.carol.user.email, ctx.carol.password)).refreshToken }),
      forbidden: () => ({ userId: ctx.shop.admin.user.id, role: 'admin' }),
      status: 200,
    },
    'POST /api/v1/auth/logout': {
      body: async () => ({ refreshToken: (await ctx.shop.t.login(ctx.carol.user.email, ctx.carol.password)).refreshToken }),
      forbidden: () => ({ userId: ctx.shop.admin.user.id, allSessions: true }),
      status: 204,
    },
    'POST /api/v1/me/addresses': {
      as: () => ctx.shop.alice,
      body: () => ({ ...SHIPPING_ADDRESS }),
      forbidden: () => ({ userId: ctx.shop.bob.user.id, customerId: ctx.shop.bob.user.id, id: newId() }),
      status: 201,
      then: (res) => void (ids.address = res.json().id),
    },
    'PATCH /api/v1/me/addresses/{id}': {
      as: () => ctx.shop.alice,
      url: () => `/api/v1/me/addresses/${ids.address}`,
      body: () => ({ city: 'Oxford' }),
      forbidden: () => ({ userId: ctx.shop.bob.user.id, ownerId: ctx.shop.bob.user.id, id: newId() }),
      status: 200,
    },
    'POST /api/v1/staff': {
      as: () => ctx.shop.admin,
      body: () => ({ email: `staff-${newId()}@example.com`, password: 'correct horse battery staple', name: 'New Staff' }),
      forbidden: () => ({ role: 'admin', id: newId() }),
      status: 201,
      then: (res) => expect(res.json().role).toBe('staff'),
    },
    'POST /api/v1/api-keys': {
      as: () => ctx.shop.admin,
      body: () => ({ name: 'warehouse sync', scopes: ['inventory:read'] }),
      forbidden: () => ({ key: `ok_${'A'.repeat(43)}`, role: 'admin', issuedBy: ctx.shop.staff.user.id, lastUsedAt: null }),
      status: 201,
    },
    'POST /api/v1/categories': {
      as: () => ctx.shop.admin,
      body: () => ({ slug: 'probe-teapots', name: 'Teapots' }),
      forbidden: () => ({ id: newId(), productCount: 100 }),
      status: 201,
    },
    'POST /api/v1/products': {
      as: () => ctx.shop.admin,
      body: () => ({
        name: 'Probe Shirt',
        category: CATEGORY,
        options: [{ name: 'Colour', values: ['Red'] }],
        variants: [{ sku: 'PROBE-SHIRT-RED', price: PRICE, options: { Colour: 'Red' } }],
      }),
      forbidden: () => ({ id: newId(), availableStock: 1000, published: false, rating: { average: 5, count: 999 } }),
      nested: [['variants.0', 'availableStock', 1000]],
      status: 201,
      then: (res) => void (ids.shirt = res.json().id),
    },
    'PATCH /api/v1/products/{id}': {
      as: () => ctx.shop.admin,
      url: () => `/api/v1/products/${ids.shirt}`,
      body: () => ({ name: 'Probe Shirt, revised' }),
      forbidden: () => ({ sku: 'OTHER-SKU', published: false, availableStock: 1000, rating: { average: 5, count: 999 }, id: newId() }),
      status: 200,
    },
    'POST /api/v1/products/{id}/variants': {
      as: () => ctx.shop.admin,
      url: () => `/api/v1/products/${ids.shirt}/variants`,
      body: () => ({ sku: 'PROBE-SHIRT-BLUE', price: PRICE, options: { Colour: 'Blue' } }),
      forbidden: () => ({ availableStock: 1000, productId: newId(), id: newId() }),
      nested: [['price', 'discount', 100]],
      status: 201,
    },
    'PATCH /api/v1/products/{id}/variants/{sku}': {
      as: () => ctx.shop.admin,
      url: () => `/api/v1/products/${ids.shirt}/variants/PROBE-SHIRT-BLUE`,
      body: () => ({ price: { amount: 990, currency: 'EUR' } }),
      forbidden: () => ({ sku: 'PROBE-SHIRT-GREEN', availableStock: 1000 }),
      status: 200,
    },
    'PUT /api/v1/inventory/{sku}': {
      as: () => ctx.shop.admin,
      url: () => `/api/v1/inventory/${sku()}`,
      body: () => ({ onHand: 2000 }),
      forbidden: () => ({ reserved: 0, available: 1_000_000, sku: 'OTHER-SKU' }),
      status: 200,
    },
    'POST /api/v1/inventory/{sku}/restock': {
      as: () => ctx.shop.admin,
      url: () => `/api/v1/inventory/${sku()}/restock`,
      body: () => ({ quantity: 5, reason: 'supplier_delivery' }),
      forbidden: () => ({ onHand: 1_000_000, reserved: 0, by: ctx.shop.staff.user.id }),
      status: 200,
    },
    'POST /api/v1/inventory/{sku}/adjustments': {
      as: () => ctx.shop.admin,
      url: () => `/api/v1/inventory/${sku()}/adjustments`,
      body: () => ({ delta: -1, reason: 'damaged' }),
      forbidden: () => ({ onHand: 1_000_000, reserved: 0, by: ctx.shop.staff.user.id }),
      status: 200,
    },
    'POST /api/v1/shipping-methods': {
      as: () => ctx.shop.admin,
      body: () => ({ code: 'express', name: 'Express', countries: ['GB', 'DE'], currency: 'EUR', rate: { type: 'flat', amount: 990 } }),
      forbidden: () => ({ active: false, id: newId() }),
      nested: [['rate', 'discount', 100]],
      status: 201,
    },
    'PATCH /api/v1/shipping-methods/{code}': {
      url: () => '/api/v1/shipping-methods/express',
      as: () => ctx.shop.admin,
      body: () => ({ name: 'Express (next day)' }),
      forbidden: () => ({ code: 'other', id: newId() }),
      status: 200,
    },
    'POST /api/v1/tax-rates': {
      as: () => ctx.shop.admin,
      body: () => ({ country: 'FR', rateBps: 2000 }),
      forbidden: () => ({ updatedAt: '2020-01-01T00:00:00Z', id: newId() }),
      status: 200,
    },
    'POST /api/v1/coupons': {
      as: () => ctx.shop.admin,
      body: () => ({ code: 'PROBE10', type: 'percentage', value: 10 }),
      forbidden: () => ({ used: 0, createdAt: '2020-01-01T00:00:00Z', id: newId() }),
      status: 201,
    },
    'POST /api/v1/cart/items': {
      as: () => ctx.shop.bob,
      body: () => ({ sku: sku(), quantity: 1 }),
      forbidden: () => ({
        unitPrice: { amount: 1, currency: 'EUR' },
        price: 1,
        customerId: ctx.shop.alice.user.id,
        cartId: ctx.shop.alice.user.id,
      }),
      status: 200,
    },
    'PUT /api/v1/cart/items/{sku}': {
      as: () => ctx.shop.bob,
      url: () => `/api/v1/cart/items/${sku()}`,
      body: () => ({ quantity: 2 }),
      forbidden: () => ({ unitPrice: { amount: 1, currency: 'EUR' }, customerId: ctx.shop.alice.user.id }),
      status: 200,
    },
    'POST /api/v1/checkout': {
      as: () => ctx.shop.bob,
      body: () => ({ ...CHECKOUT }),
      forbidden: () => ({
        total: { amount: 1, currency: 'EUR' },
        customerId: ctx.shop.alice.user.id,
        status: 'confirmed',
        discount: { amount: 1250, currency: 'EUR' },
        orderId: newId(),
      }),
      nested: [['shippingAddress', 'customerId', newId()]],
      status: 202,
      then: (res) => expect(res.json()).toEqual({ orderId: expect.any(String), status: 'placed' }),
    },
    'POST /api/v1/orders/{id}/cancel': {
      as: () => ctx.shop.alice,
      url: () => `/api/v1/orders/${ids.toCancel}/cancel`,
      body: () => ({}),
      forbidden: () => ({ status: 'refunded', customerId: ctx.shop.bob.user.id, cancellationReason: 'out_of_stock', refund: 100000 }),
      status: 200,
    },
    'POST /api/v1/orders/{id}/ship': {
      as: () => ctx.shop.staff,
      url: () => `/api/v1/orders/${ids.toShip}/ship`,
      body: () => ({ carrier: 'sandbox', trackingNumber: (ids.tracking = trackingNumber()) }),
      forbidden: () => ({ status: 'delivered', deliveredAt: '2020-01-01T00:00:00Z', orderId: newId() }),
      status: 200,
    },
    'POST /api/v1/orders/{id}/deliver': {
      as: () => ctx.shop.staff,
      url: () => `/api/v1/orders/${ids.toShip}/deliver`,
      body: () => ({}),
      forbidden: () => ({ status: 'refunded', deliveredAt: '2020-01-01T00:00:00Z' }),
      status: 200,
      then: () => ctx.shop.t.drain(),
    },
    'POST /api/v1/orders/{id}/returns': {
      as: () => ctx.shop.alice,
      url: () => `/api/v1/orders/${ids.toShip}/returns`,
      body: () => ({ lines: [{ sku: sku(), quantity: 1 }] }),
      forbidden: () => ({
        status: 'approved',
        refund: { amount: 100000, currency: 'EUR' },
        customerId: ctx.shop.bob.user.id,
        approvedAt: '2020-01-01T00:00:00Z',
      }),
      nested: [['lines.0', 'unitPrice', { amount: 100000, currency: 'EUR' }]],
      status: 201,
      then: (res) => void (ids.return = res.json().id),
    },
    'POST /api/v1/returns/{id}/approve': {
      as: () => ctx.shop.staff,
      url: () => `/api/v1/returns/${ids.return}/approve`,
      body: () => ({}),
      forbidden: () => ({ status: 'approved', refund: { amount: 100000, currency: 'EUR' } }),
      status: 200,
    },
    'POST /api/v1/orders/{id}/refunds': {
      as: () => ctx.shop.admin,
      url: () => `/api/v1/orders/${ids.toRefund}/refunds`,
      body: () => ({ amount: 100, reason: 'goodwill' }),
      forbidden: () => ({ status: 'completed', refundId: newId(), currency: 'USD', orderId: newId() }),
      status: 202,
    },
    'POST /api/v1/products/{id}/reviews': {
      as: () => ctx.shop.alice,
      url: () => `/api/v1/products/${ctx.shop.product.productId}/reviews`,
      body: () => ({ rating: 4, text: 'Good mug, a little small.' }),
      forbidden: () => ({
        verifiedPurchase: true,
        customerId: ctx.shop.bob.user.id,
        hidden: false,
        author: 'Bob',
        productId: newId(),
        id: newId(),
      }),
      status: 201,
      then: (res) => void (ids.review = res.json().id),
    },
    'POST /api/v1/reviews/{id}/hide': {
      as: () => ctx.shop.staff,
      url: () => `/api/v1/reviews/${ids.review}/hide`,
      body: () => ({ reason: 'spam' }),
      forbidden: () => ({ hidden: false, rating: 1, text: 'rewritten by staff' }),
      status: 200,
    },
    'POST /api/v1/payments/webhooks/sandbox': {
      body: () => captureReport(ids.toRefund),
      forbidden: () => ({ status: 'refunded', livemode: true }),
      nested: [['data', 'customerId', newId()]],
      sign: 'payment',
      status: 200,
    },
  };
};
