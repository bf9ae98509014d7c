import { describe, expect, it } from 'vitest';
import { eventually, expectStatus } from './http-client';
import { type JourneyTarget, JOURNEY_TIMEOUT_MS, openShop, type OrderView, PRICE, SHIPPING } from './http-shop';

/**
 * Journeys of customers, staff and admins through the public HTTP API of a running deployment, whatever runs behind
 * its URL (the monolith, or services behind a gateway). Each journey sets up its own shop through the API and
 * asserts the outcome through the API only, so journeys run in any order against one deployment.
 */

export type { JourneyTarget } from './http-shop';

const captures = (entries: { kind: string }[]) => entries.filter((e) => e.kind === 'captured');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** tok_approve: confirmed, the stock committed, the money captured once. */
export const checkoutApproved = async (target: JourneyTarget) => {
  const shop = await openShop(target);
  const { sku } = await shop.product(5);
  const customer = await shop.customer();
  const { orderId, status } = await shop.checkout(customer, sku, 2, 'tok_approve');
  expect(status).toBe('confirmed');
  const total = 2 * PRICE + SHIPPING;
  expect(await shop.order(orderId, customer.token)).toMatchObject({ status: 'confirmed', total: { amount: total, currency: 'EUR' } });
  expect(await shop.stockSettlesAt(sku, 3)).toMatchObject({ available: 3 });
  expect(await shop.stockMovements(sku)).toEqual(['set_level', 'reservation', 'commit']);
  const payment = await shop.paymentUntil('captured', orderId, (p) => p.status === 'captured');
  expect(payment).toMatchObject({ captured: total, refunded: 0 });
  expect(captures(payment.entries)).toEqual([expect.objectContaining({ amount: total })]);
  const cart = await eventually(
    'the ordered lines to leave the cart',
    async () => expectStatus(await shop.api.get<{ items: unknown[] }>('/cart', { token: customer.token }), 200),
    (c) => c.items.length === 0,
  );
  expect(cart.items).toEqual([]);
};

/** A checkout that fails at the payment: cancelled with `reason`, the stock back, nothing captured. */
const checkoutCancelled = async (target: JourneyTarget, paymentToken: string, reason: string) => {
  const shop = await openShop(target);
  const { sku } = await shop.product(3);
  const customer = await shop.customer();
  const outcome = await shop.checkout(customer, sku, 3, paymentToken);
  expect(outcome).toMatchObject({ status: 'cancelled', cancellationReason: reason });
  expect(await shop.order(outcome.orderId, customer.token)).toMatchObject({ status: 'cancelled', cancellationReason: reason });
  expect(await shop.stockSettlesAt(sku, 3)).toMatchObject({ available: 3 });
  expect(await shop.stockMovements(sku)).toEqual(['set_level', 'reservation', 'release']);
  return { shop, orderId: outcome.orderId };
};

/** tok_decline: cancelled payment_declined, the stock back. */
export const checkoutDeclined = async (target: JourneyTarget) => {
  const { shop, orderId } = await checkoutCancelled(target, 'tok_decline', 'payment_declined');
  const payment = expectStatus(await shop.payment(orderId), 200);
  expect(payment).toMatchObject({ status: 'declined', captured: 0 });
  expect(payment.entries.map((e) => e.kind)).toEqual(['declined']);
};

/** tok_error: the provider errs on every attempt; once the retries are spent the order is cancelled payment_failed. */
export const checkoutProviderError = async (target: JourneyTarget) => {
  const { shop, orderId } = await checkoutCancelled(target, 'tok_error', 'payment_failed');
  const payment = expectStatus(await shop.payment(orderId), 200);
  expect(payment.captured).toBe(0);
  expect(captures(payment.entries)).toEqual([]);
  // `provider_error` is what payment records only after its last attempt (a refusal or a timeout is not retried)
  expect(payment.entries).toContainEqual(expect.objectContaining({ kind: 'failed', reason: 'provider_error' }));
};

/** tok_slow: the provider answers after its timeout; the order is cancelled and its late authorization never captured. */
export const checkoutProviderTimeout = async (target: JourneyTarget) => {
  const { shop, orderId } = await checkoutCancelled(target, 'tok_slow', 'payment_failed');
  const failed = expectStatus(await shop.payment(orderId), 200);
  expect(failed.entries).toContainEqual(expect.objectContaining({ kind: 'failed', reason: 'timeout' }));
  // the sandbox answers PAYMENT_PROVIDER_TIMEOUT_MS + 1 s after the request: past that, its late "authorized" has landed
  await sleep(target.paymentProviderTimeoutMs + 1000 + 500);
  const later = expectStatus(await shop.payment(orderId), 200);
  expect(later.captured).toBe(0);
  expect(captures(later.entries)).toEqual([]);
  expect(await shop.order(orderId)).toMatchObject({ status: 'cancelled', refundedTotal: { amount: 0 } });
};

/** A customer cancels a confirmed order: what was captured is refunded and the goods go back on hand. */
export const cancelConfirmedOrder = async (target: JourneyTarget) => {
  const shop = await openShop(target);
  const { sku } = await shop.product(4);
  const customer = await shop.customer();
  const { orderId, status } = await shop.checkout(customer, sku, 2, 'tok_approve');
  expect(status).toBe('confirmed');
  const total = 2 * PRICE + SHIPPING;
  await shop.paymentUntil('captured', orderId, (p) => p.captured === total);

  const cancelled = expectStatus(await shop.api.post<OrderView>(`/orders/${orderId}/cancel`, { token: customer.token }), 200);
  expect(cancelled).toMatchObject({ status: 'cancelled', cancellationReason: 'cancelled_by_customer' });
  expect(cancelled.refunds).toEqual([expect.objectContaining({ reason: 'cancellation', amount: { amount: total, currency: 'EUR' } })]);
  const refunded = await shop.orderUntil('refunded', orderId, (o) => o.status === 'refunded');
  expect(refunded.refundedTotal.amount).toBe(total);
  expect(refunded.refunds).toEqual([expect.objectContaining({ reason: 'cancellation', status: 'completed' })]);
  expect(await shop.paymentUntil('refunded', orderId, (p) => p.refunded === total)).toMatchObject({ status: 'refunded', captured: total });
  expect(await shop.stockSettlesAt(sku, 4)).toMatchObject({ available: 4 });
  expect(await shop.stockMovements(sku)).toEqual(['set_level', 'reservation', 'commit', 'order_cancelled']);
  const again = await shop.api.post(`/orders/${orderId}/cancel`, { token: customer.token });
  expect(expectStatus(again, 409)).toMatchObject({ code: 'ordering.order_not_cancellable' });
};

/** An admin refunds part of a confirmed order as goodwill: the order lists it completed, the provider paid it back. */
export const goodwillRefund = async (target: JourneyTarget) => {
  const shop = await openShop(target);
  const { sku } = await shop.product(2);
  const customer = await shop.customer();
  const { orderId, status } = await shop.checkout(customer, sku, 1, 'tok_approve');
  expect(status).toBe('confirmed');
  await shop.paymentUntil('captured', orderId, (p) => p.status === 'captured');

  const body = { amount: 500, reason: 'the mug arrived scratched' };
  const accepted = expectStatus(await shop.api.post(`/orders/${orderId}/refunds`, { token: shop.admin, body }), 202);
  expect(accepted).toMatchObject({ orderId, amount: { amount: 500, currency: 'EUR' }, status: 'requested' });
  const refunded = await shop.orderUntil('refunded in part', orderId, (o) => o.refunds.some((r) => r.status === 'completed'));
  expect(refunded).toMatchObject({ status: 'confirmed', refundedTotal: { amount: 500 } });
  expect(refunded.refunds).toEqual([expect.objectContaining({ id: accepted.refundId, reason: 'goodwill', status: 'completed' })]);
  const payment = await shop.paymentUntil('refunded in part', orderId, (p) => p.refunded === 500);
  expect(payment).toMatchObject({ status: 'partially_refunded', captured: PRICE + SHIPPING });
};

/** Ship, the carrier delivers, the customer returns a unit, staff approve: that unit is refunded and back on hand. */
export const returnAfterDelivery = async (target: JourneyTarget) => {
  const shop = await openShop(target);
  const { sku } = await shop.product(3);
  const customer = await shop.customer();
  const { orderId, status } = await shop.checkout(customer, sku, 2, 'tok_approve');
  expect(status).toBe('confirmed');
  await shop.stockSettlesAt(sku, 1);

  const trackingNumber = await shop.ship(orderId);
  const delivered = await shop.deliverByCarrier(orderId, trackingNumber);
  expect(delivered).toMatchObject({ shipment: { carrier: 'sandbox', trackingNumber }, deliveredAt: expect.any(String) });
  const parcel = expectStatus(await shop.api.get(`/shipments/${orderId}`, { token: await shop.staff() }), 200);
  expect(parcel).toMatchObject({ trackingNumber, status: 'delivered' });

  const lines = [{ sku, quantity: 1 }];
  const requested = expectStatus(
    await shop.api.post<{ id: string }>(`/orders/${orderId}/returns`, { token: customer.token, body: { lines } }),
    201,
  );
  expect(requested).toMatchObject({ orderId, status: 'requested', lines });
  const approved = expectStatus(await shop.api.post(`/returns/${requested.id}/approve`, { token: await shop.staff() }), 200);
  expect(approved).toMatchObject({ status: 'approved', refund: { amount: PRICE, currency: 'EUR' } });

  const refunded = await shop.orderUntil('refunded for the return', orderId, (o) => o.refunds.some((r) => r.status === 'completed'));
  expect(refunded).toMatchObject({ status: 'delivered', refundedTotal: { amount: PRICE } });
  expect(refunded.refunds).toEqual([expect.objectContaining({ reason: 'return', returnId: requested.id, status: 'completed' })]);
  expect(refunded.returns).toEqual([expect.objectContaining({ id: requested.id, status: 'approved' })]);
  expect(await shop.paymentUntil('refunded for the return', orderId, (p) => p.refunded === PRICE)).toMatchObject({
    status: 'partially_refunded',
  });
  expect(await shop.stockSettlesAt(sku, 2)).toMatchObject({ available: 2 });
  expect(await shop.stockMovements(sku)).toEqual(['set_level', 'reservation', 'commit', 'return']);
};

/** A guest fills a cart, then logs in with its X-Cart-Token: the lines move to the customer's cart, who checks them out. */
export const guestCartMergedAtLogin = async (target: JourneyTarget) => {
  const shop = await openShop(target);
  const { sku } = await shop.product(5);
  const added = await shop.api.post('/cart/items', { body: { sku, quantity: 2 } });
  expectStatus(added, 200);
  const cartToken = added.headers.get('x-cart-token');
  expect(cartToken, 'the first write of a guest hands out the cart token').toEqual(expect.any(String));
  const asGuest = { headers: { 'x-cart-token': cartToken! } };
  expect(expectStatus(await shop.api.get('/cart', asGuest), 200)).toMatchObject({ items: [{ sku, quantity: 2 }] });

  const customer = await shop.customer();
  customer.token = await shop.logIn(customer.email, customer.password, asGuest.headers);
  const merged = await eventually(
    "the guest's lines in the customer's cart",
    async () => expectStatus(await shop.api.get<{ items: { sku: string; quantity: number }[] }>('/cart', { token: customer.token }), 200),
    (cart) => cart.items.length > 0,
  );
  expect(merged.items).toEqual([expect.objectContaining({ sku, quantity: 2 })]);
  expect(expectStatus(await shop.api.get('/cart', asGuest), 404)).toMatchObject({ code: 'cart.cart_not_found' });

  const { orderId, status } = await shop.placeOrder(customer, 'tok_approve');
  expect(status).toBe('confirmed');
  expect((await shop.order(orderId, customer.token)).lines).toEqual([expect.objectContaining({ sku, quantity: 2 })]);
};

/** A customer whose order was delivered reviews the product; the catalog shows the product's new rating. */
export const reviewOfABoughtProduct = async (target: JourneyTarget) => {
  const shop = await openShop(target);
  const { productId, sku } = await shop.product(2);
  const customer = await shop.customer('Ada Lovelace');
  const { orderId, status } = await shop.checkout(customer, sku, 1, 'tok_approve');
  expect(status).toBe('confirmed');
  await shop.ship(orderId);
  expect(await shop.deliverByStaff(orderId)).toMatchObject({ status: 'delivered' });

  const stranger = await shop.customer('Bob Builder');
  const body = { rating: 4, text: 'Keeps the tea hot through a whole chapter.' };
  const refused = await shop.api.post(`/products/${productId}/reviews`, { token: stranger.token, body });
  expect(expectStatus(refused, 403)).toMatchObject({ code: 'reviews.purchase_required' });
  // reviews learn of the delivery from ordering's event: until then the buyer is refused like the stranger
  const posted = await eventually(
    `the review of ${productId} by its buyer to be accepted`,
    () => shop.api.post(`/products/${productId}/reviews`, { token: customer.token, body }),
    (reply) => reply.status !== 403,
  );
  expect(expectStatus(posted, 201)).toMatchObject({ productId, rating: 4, author: 'Ada', verifiedPurchase: true, hidden: false });

  const reviews = expectStatus(await shop.api.get(`/products/${productId}/reviews`), 200);
  expect(reviews).toMatchObject({ items: [{ id: posted.body.id, rating: 4 }], rating: { average: 4, count: 1 } });
  // the storefront's product page (anonymous, as a shopper reads it) follows the reviews
  const product = await eventually(
    `the catalog to show the rating of ${productId}`,
    () => shop.api.get<{ rating: { average: number; count: number } }>(`/products/${productId}`),
    (reply) => reply.status === 200 && reply.body.rating.count === 1,
  );
  expect(product.body.rating).toEqual({ average: 4, count: 1 });
};

/**
 * Registers every journey as an `it` block. `target` is read when a journey starts, so a suite's beforeAll may set it
 * up (start the processes, log the admin in).
 */
export const defineJourneys = (target: () => JourneyTarget) => {
  const journey = (name: string, run: (target: JourneyTarget) => Promise<void>) => it(name, () => run(target()), JOURNEY_TIMEOUT_MS);

  describe('checkout', () => {
    journey('tok_approve: confirmed, the stock committed, the money captured once', checkoutApproved);
    journey('tok_decline: cancelled payment_declined, the stock back', checkoutDeclined);
    journey('tok_error: retried, then cancelled payment_failed; nothing captured', checkoutProviderError);
    journey('tok_slow: the provider answers after its timeout; cancelled, nothing captured', checkoutProviderTimeout);
  });
  describe('after the checkout', () => {
    journey('a customer cancels a confirmed order: refunded, the stock back', cancelConfirmedOrder);
    journey('an admin refunds part of an order: the refund completes at the provider', goodwillRefund);
    journey('ship, delivered by the carrier, return, approve: the unit refunded and back on hand', returnAfterDelivery);
  });
  describe('cart and reviews', () => {
    journey("a guest's cart merges into the customer's at login, and is checked out", guestCartMergedAtLogin);
    journey('a buyer reviews the product; the catalog shows its rating', reviewOfABoughtProduct);
  });
};
