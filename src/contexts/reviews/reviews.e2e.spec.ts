import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../../platform/event-store/event-store';
import { newId } from '../../shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';
import { OrderingMessages } from '../ordering/contracts';
import { PurchasesSubscriber } from './interface/purchases.subscriber';

describe('reviews', () => {
  let t: TestApp;
  let ada: LoggedIn;
  let bob: LoggedIn;
  let staff: LoggedIn;
  const productId = newId();

  /** ordering says the order with this product reached the customer */
  const delivered = (customer: LoggedIn, product = productId) =>
    t.get(PurchasesSubscriber).handle({
      id: newId(),
      type: OrderingMessages.orderDelivered,
      occurredAt: new Date().toISOString(),
      correlationId: newId(),
      data: {
        orderId: newId(),
        customerId: customer.user.id,
        lines: [{ sku: 'MUG-1', productId: product, quantity: 1 }],
        deliveredAt: new Date().toISOString(),
      },
    });

  const review = (who: LoggedIn, body: object, product = productId) =>
    t.inject('POST', `/api/v1/products/${product}/reviews`, { token: who.token, body, headers: { 'idempotency-key': newId() } });

  beforeAll(async () => {
    t = await bootTestApp();
    ada = await t.registerAndLogin('customer', { name: 'Ada Lovelace' });
    bob = await t.registerAndLogin('customer', { name: 'Bob Builder' });
    staff = await t.registerAndLogin('staff');
    await t.drain();
  });
  afterAll(() => t.close());

  it('lets a customer whose order with the product was delivered review it once', async () => {
    await delivered(ada);
    const posted = await review(ada, { rating: 4, text: 'Solid mug, keeps tea hot for ages.' });
    expect(posted.statusCode).toBe(201);
    expect(posted.json()).toMatchObject({ productId, rating: 4, author: 'Ada', verifiedPurchase: true, hidden: false });

    const again = await review(ada, { rating: 5, text: 'Changed my mind, it is perfect.' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('reviews.already_reviewed');
  });

  it('refuses customers without a delivered purchase, staff, and anonymous callers', async () => {
    const bobs = await review(bob, { rating: 1, text: 'Never bought it but I hate it.' });
    expect(bobs.statusCode).toBe(403);
    expect(bobs.json().code).toBe('reviews.purchase_required');
    expect((await review(staff, { rating: 5, text: 'Staff praising our own product.' })).statusCode).toBe(403);
    expect(
      (await t.inject('POST', `/api/v1/products/${productId}/reviews`, { body: { rating: 5, text: 'anonymous praise here' } })).statusCode,
    ).toBe(401);
  });

  it.each([
    ['a rating out of range', { rating: 6, text: 'Out of range rating text.' }],
    ['a fractional rating', { rating: 4.5, text: 'Half stars are not a thing.' }],
    ['a text that is too short', { rating: 3, text: 'ok' }],
    ['a text that is too long', { rating: 3, text: 'x'.repeat(2001) }],
    ['a field the caller may not set', { rating: 5, text: 'Setting fields I should not.', verifiedPurchase: true }],
    ['another owner', { rating: 5, text: 'Posting as somebody else.', customerId: newId() }],
  ])('answers 400 to %s', async (_, body) => {
    await delivered(bob);
    const res = await review(bob, body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('shows visible reviews with the rating; staff hide one and the rating follows', async () => {
    await delivered(bob);
    const bobs = await review(bob, { rating: 1, text: 'Handle broke off on day two.' });
    expect(bobs.statusCode).toBe(201);

    const before = (await t.inject('GET', `/api/v1/products/${productId}/reviews`)).json();
    expect(before.rating).toEqual({ average: 2.5, count: 2 });
    expect(before.items.map((r: { author: string }) => r.author)).toEqual(['Bob', 'Ada']);

    const byCustomer = await t.inject('POST', `/api/v1/reviews/${bobs.json().id}/hide`, { token: ada.token, body: {} });
    expect(byCustomer.statusCode).toBe(403);
    const hidden = await t.inject('POST', `/api/v1/reviews/${bobs.json().id}/hide`, { token: staff.token, body: { reason: 'abusive' } });
    expect(hidden.statusCode).toBe(200);
    expect(hidden.json().hidden).toBe(true);
    expect((await t.inject('POST', `/api/v1/reviews/${bobs.json().id}/hide`, { token: staff.token, body: {} })).statusCode).toBe(200);

    const after = (await t.inject('GET', `/api/v1/products/${productId}/reviews`)).json();
    expect(after.rating).toEqual({ average: 4, count: 1 });
    expect(after.items).toHaveLength(1);

    // each visible change of the rating is an event for the catalog, versioned per product
    const ratings = await t.get(EventStore).readStream(`reviews.product-${productId}`);
    expect(ratings.map((e) => (e.data as { count: number }).count)).toEqual([1, 2, 1]);
    expect((await t.inject('POST', `/api/v1/reviews/${newId()}/hide`, { token: staff.token, body: {} })).statusCode).toBe(404);
  });

  it('pages with a cursor and refuses a forged one', async () => {
    const other = newId();
    for (const who of [ada, bob]) {
      await delivered(who, other);
      expect((await review(who, { rating: 5, text: 'Great product, would buy again.' }, other)).statusCode).toBe(201);
    }
    const first = (await t.inject('GET', `/api/v1/products/${other}/reviews`, { query: { limit: '1' } })).json();
    expect(first.items).toHaveLength(1);
    const second = (await t.inject('GET', `/api/v1/products/${other}/reviews`, { query: { limit: '1', cursor: first.nextCursor } })).json();
    expect(second.items).toHaveLength(1);
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect(second.nextCursor).toBeNull();
    const forged = await t.inject('GET', `/api/v1/products/${other}/reviews`, { query: { cursor: "' or 1=1 --" } });
    expect(forged.statusCode).toBe(400);
    expect((await t.inject('GET', '/api/v1/products/not-a-uuid/reviews')).statusCode).toBe(400);
  });
});
