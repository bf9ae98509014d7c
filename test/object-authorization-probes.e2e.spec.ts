import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { newId } from '../src/shared-kernel/ids';
import type { LoggedIn } from './support/app';
import { databaseFingerprint, openSecurityShop, problemShape, responseViolations, type SecurityShop } from './support/security-shop';

/**
 * S1, OWASP API1 (broken object-level authorization), over HTTP on the real app: customer bob never reads or changes
 * what belongs to customer alice (orders, their cancellation and returns, addresses, carts, reviews) nor reaches API
 * keys, and is answered exactly as for an id that does not exist (404, never 403), so ids cannot be probed. Each
 * attempt writes nothing, and alice can then do what bob could not.
 */

let shop: SecurityShop;

beforeAll(async () => {
  shop = await openSecurityShop();
});
afterAll(async () => shop?.t.close());

/** A refused request's body without the echo of its own URL (`instance`): what it may not disclose is checked in it. */
const disclosed = (res: InjectResponse) => JSON.stringify(problemShape(res));

/** Bob's attempt and the same request on an id that does not exist: same refusal, same shape, nothing written. */
const expectInvisible = async (foreign: () => Promise<InjectResponse>, missing: () => Promise<InjectResponse>, code: string) => {
  const before = await databaseFingerprint(shop.db);
  const [theirs, nobodys] = [await foreign(), await missing()];
  expect(theirs.statusCode, theirs.body).toBe(404);
  expect(theirs.json().code).toBe(code);
  expect(responseViolations(theirs)).toEqual([]);
  expect(problemShape(theirs)).toEqual(problemShape(nobodys));
  expect(await databaseFingerprint(shop.db)).toEqual(before);
  return theirs;
};

describe("object-level authorization: bob never reaches alice's resources", () => {
  const as = (customer: LoggedIn) => ({ token: customer.token });

  describe('orders', () => {
    let delivered: string;
    let confirmed: string;
    beforeAll(async () => {
      delivered = await shop.deliveredOrder(shop.alice);
      confirmed = await shop.confirmedOrder(shop.alice);
    });

    it('GET /orders/:id answers 404 like a missing order and leaks nothing of it', async () => {
      const res = await expectInvisible(
        () => shop.t.inject('GET', `/api/v1/orders/${delivered}`, as(shop.bob)),
        () => shop.t.inject('GET', `/api/v1/orders/${newId()}`, as(shop.bob)),
        'ordering.order_not_found',
      );
      expect(res.body).not.toMatch(/Ada|Analytical|N1 9GU|tok_/);
    });

    it("GET /orders lists only the caller's own orders and refuses a customer filter", async () => {
      const mine = (await shop.ok(shop.t.inject('GET', '/api/v1/orders', as(shop.bob)))).json<{ items: { id: string }[] }>();
      expect(mine.items.map((o) => o.id)).not.toContain(delivered);
      expect(mine.items.map((o) => o.id)).not.toContain(confirmed);
      for (const param of ['customerId', 'customer', 'userId']) {
        const res = await shop.t.inject('GET', `/api/v1/orders?${param}=${shop.alice.user.id}`, as(shop.bob));
        expect(res.statusCode, param).toBe(400);
        expect(responseViolations(res)).toEqual([]);
      }
    });

    it('POST /orders/:id/cancel answers 404 and leaves the order as it was', async () => {
      await expectInvisible(
        () => shop.t.inject('POST', `/api/v1/orders/${confirmed}/cancel`, as(shop.bob)),
        () => shop.t.inject('POST', `/api/v1/orders/${newId()}/cancel`, as(shop.bob)),
        'ordering.order_not_found',
      );
      const order = await shop.ok(shop.t.inject('GET', `/api/v1/orders/${confirmed}`, as(shop.alice)));
      expect(order.json<{ status: string }>().status).toBe('confirmed');
    });

    it('POST /orders/:id/returns answers 404 and requests no return', async () => {
      const body = { lines: [{ sku: shop.product.sku, quantity: 1 }] };
      await expectInvisible(
        () => shop.t.inject('POST', `/api/v1/orders/${delivered}/returns`, { ...as(shop.bob), body }),
        () => shop.t.inject('POST', `/api/v1/orders/${newId()}/returns`, { ...as(shop.bob), body }),
        'ordering.order_not_found',
      );
      const returns = await shop.ok(shop.t.inject('GET', `/api/v1/orders/${delivered}/returns`, as(shop.alice)));
      expect(returns.json()).toEqual({ items: [] });
    });

    it("GET /orders/:id/returns answers 404 for another customer's order, also once it has a return", async () => {
      const body = { lines: [{ sku: shop.product.sku, quantity: 1 }] };
      await shop.ok(shop.send('POST', `/api/v1/orders/${delivered}/returns`, shop.alice.token, body), 201);
      await expectInvisible(
        () => shop.t.inject('GET', `/api/v1/orders/${delivered}/returns`, as(shop.bob)),
        () => shop.t.inject('GET', `/api/v1/orders/${newId()}/returns`, as(shop.bob)),
        'ordering.order_not_found',
      );
    });

    it('lets the owner do what bob could not: the 404s above were about bob, not the routes', async () => {
      await shop.ok(shop.send('POST', `/api/v1/orders/${confirmed}/cancel`, shop.alice.token));
    });

    it("keeps an order's payment and shipment from customers, its owner included (staff views)", async () => {
      for (const customer of [shop.alice, shop.bob]) {
        for (const url of [`/api/v1/payments/${delivered}`, `/api/v1/shipments/${delivered}`]) {
          const res = await shop.t.inject('GET', url, as(customer));
          expect(res.statusCode, url).toBe(403);
          expect(disclosed(res)).not.toContain(delivered);
        }
      }
    });
  });

  describe('addresses', () => {
    let address: string;
    beforeAll(async () => {
      address = await shop.addAddress(shop.alice, 'Cambridge');
    });

    it('PATCH /me/addresses/:id answers 404 like a missing address and changes nothing', async () => {
      await expectInvisible(
        () => shop.t.inject('PATCH', `/api/v1/me/addresses/${address}`, { ...as(shop.bob), body: { city: 'Elsewhere' } }),
        () => shop.t.inject('PATCH', `/api/v1/me/addresses/${newId()}`, { ...as(shop.bob), body: { city: 'Elsewhere' } }),
        'identity.address_not_found',
      );
    });

    it('DELETE /me/addresses/:id answers 404 like a missing address and removes nothing', async () => {
      await expectInvisible(
        () => shop.t.inject('DELETE', `/api/v1/me/addresses/${address}`, as(shop.bob)),
        () => shop.t.inject('DELETE', `/api/v1/me/addresses/${newId()}`, as(shop.bob)),
        'identity.address_not_found',
      );
    });

    it("shows each customer only their own book, and alice's address is intact", async () => {
      const bobs = (await shop.ok(shop.t.inject('GET', '/api/v1/me/addresses', as(shop.bob)))).json<{ id: string }[]>();
      expect(bobs.map((a) => a.id)).not.toContain(address);
      const alices = (await shop.ok(shop.t.inject('GET', '/api/v1/me/addresses', as(shop.alice)))).json<{ id: string; city: string }[]>();
      expect(alices).toEqual(expect.arrayContaining([expect.objectContaining({ id: address, city: 'Cambridge' })]));
    });
  });

  describe('carts', () => {
    type Cart = { id: string | null; items: { sku: string; quantity: number }[] };
    const cartOf = async (options: { token?: string; headers?: Record<string, string> }) => shop.t.inject('GET', '/api/v1/cart', options);
    let guestToken: string;
    let guestSku: string;
    beforeAll(async () => {
      await shop.addToCart(shop.alice, shop.product.sku, 3);
      guestSku = (await shop.stockedProduct()).sku;
      guestToken = await shop.guestCart(guestSku, 2);
    });

    it("never shows bob alice's lines, whatever cart token he sends", async () => {
      const tokens: Record<string, string>[] = [{}, { 'x-cart-token': shop.alice.user.id }, { 'x-cart-token': guestToken }];
      for (const headers of tokens) {
        const cart = (await shop.ok(cartOf({ token: shop.bob.token, headers }))).json<Cart>();
        expect(cart.id).toBe(shop.bob.user.id);
        expect(cart.items).toEqual([]);
      }
    });

    it("does not take a customer's id (their cart id) as a guest cart token", async () => {
      const res = await cartOf({ headers: { 'x-cart-token': shop.alice.user.id } });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('cart.cart_not_found');
      expect(res.body).not.toContain(shop.product.sku);
    });

    it("leaves a guest's cart alone when bob writes with its token (his own cart is written)", async () => {
      const before = (await shop.ok(cartOf({ headers: { 'x-cart-token': guestToken } }))).json<Cart>();
      expect(before.items).toEqual([expect.objectContaining({ sku: guestSku, quantity: 2 })]);
      const headers = { 'x-cart-token': guestToken };
      expect(
        (await shop.t.inject('PUT', `/api/v1/cart/items/${guestSku}`, { ...as(shop.bob), headers, body: { quantity: 9 } })).statusCode,
      ).toBe(404);
      expect((await shop.t.inject('DELETE', `/api/v1/cart/items/${guestSku}`, { ...as(shop.bob), headers })).statusCode).toBe(404);
      expect((await shop.t.inject('POST', '/api/v1/cart/refresh', { ...as(shop.bob), headers })).statusCode).toBe(200);
      const after = (await shop.ok(cartOf({ headers: { 'x-cart-token': guestToken } }))).json<Cart>();
      expect(after.items).toEqual(before.items);
    });

    it("answers 404 to a guest token one character off, and never another guest's cart", async () => {
      const last = guestToken.at(-1) === 'A' ? 'B' : 'A';
      const near = [
        `${guestToken.slice(0, -1)}${last}`,
        guestToken.toLowerCase(),
        `${guestToken}${guestToken}`,
        guestToken.slice(1),
        newId(),
      ];
      for (const token of near.filter((candidate) => candidate !== guestToken)) {
        const res = await cartOf({ headers: { 'x-cart-token': token } });
        expect(res.statusCode, token).toBe(404);
        expect(res.body).not.toContain(guestSku);
      }
    });

    it('refuses staff and admins a cart, with or without a guest token (403)', async () => {
      for (const { token } of [shop.staff, shop.admin]) {
        const res = await cartOf({ token, headers: { 'x-cart-token': guestToken } });
        expect(res.statusCode).toBe(403);
        expect(res.body).not.toContain(guestSku);
      }
    });

    it("keeps alice's cart as she filled it", async () => {
      const cart = (await shop.ok(cartOf(as(shop.alice)))).json<Cart>();
      expect(cart.items).toEqual([expect.objectContaining({ sku: shop.product.sku, quantity: 3 })]);
    });
  });

  describe('reviews', () => {
    let review: string;
    let reviewed: { sku: string; productId: string };
    beforeAll(async () => {
      reviewed = await shop.stockedProduct();
      await shop.deliveredOrder(shop.alice, 1, reviewed.sku);
      const posted = await shop.ok(
        shop.send('POST', `/api/v1/products/${reviewed.productId}/reviews`, shop.alice.token, {
          rating: 5,
          text: 'A sturdy mug, keeps tea hot.',
        }),
        201,
      );
      review = posted.json<{ id: string }>().id;
    });

    it('lets no customer hide a review, its author included (403), and the review stays visible', async () => {
      for (const customer of [shop.bob, shop.alice]) {
        const res = await shop.send('POST', `/api/v1/reviews/${review}/hide`, customer.token, { reason: 'mine now' });
        expect(res.statusCode).toBe(403);
        expect(responseViolations(res)).toEqual([]);
      }
      const page = await shop.ok(shop.t.inject('GET', `/api/v1/products/${reviewed.productId}/reviews`));
      expect(page.json<{ items: { id: string }[] }>().items.map((r) => r.id)).toEqual([review]);
    });

    it('refuses a review from a customer who did not receive the product (403 reviews.purchase_required)', async () => {
      const res = await shop.send('POST', `/api/v1/products/${reviewed.productId}/reviews`, shop.bob.token, {
        rating: 1,
        text: 'Never bought it, hate it.',
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('reviews.purchase_required');
    });
  });

  describe('API keys', () => {
    it('are out of reach of customers: listing, issuing and revoking are 403 and write nothing', async () => {
      const issued = await shop.ok(
        shop.send('POST', '/api/v1/api-keys', shop.admin.token, { name: 'warehouse', scopes: ['inventory:read'] }),
        201,
      );
      const keys = [issued.json<{ id: string }>()];
      const before = await databaseFingerprint(shop.db);
      for (const customer of [shop.alice, shop.bob]) {
        const attempts = [
          await shop.t.inject('GET', '/api/v1/api-keys', as(customer)),
          await shop.t.inject('POST', '/api/v1/api-keys', { ...as(customer), body: { name: 'mine', scopes: ['orders:read'] } }),
          await shop.t.inject('DELETE', `/api/v1/api-keys/${keys[0].id}`, as(customer)),
        ];
        for (const res of attempts) {
          expect(res.statusCode).toBe(403);
          expect(responseViolations(res)).toEqual([]);
          expect(disclosed(res)).not.toContain(keys[0].id);
        }
      }
      expect(await databaseFingerprint(shop.db)).toEqual(before);
    });
  });
});
