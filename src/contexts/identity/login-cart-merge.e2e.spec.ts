import { Global, Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bootTestApp, TestApp } from '../../../test/support/app';
import type { CommandMeta } from '../../platform/event-store/event-store';
import { GuestCarts } from '../cart/contracts';

/** Stands in for cart's GuestCarts only while no module provides it, so the call identity makes is tested either way. */
class StandInGuestCarts extends GuestCarts {
  async mergeIntoCustomerCart(_cartToken: string, _customerId: string, _meta: CommandMeta): Promise<void> {}
}
@Global()
@Module({ providers: [{ provide: GuestCarts, useClass: StandInGuestCarts }], exports: [GuestCarts] })
class StandInGuestCartsModule {}

let t: TestApp;
let carts: GuestCarts;
/** True when cart's own GuestCarts is wired (not the stand-in): the merge is then checked end to end over HTTP. */
let realCarts = false;

const provided = (app: TestApp): GuestCarts | undefined => {
  try {
    return app.app.get(GuestCarts, { strict: false });
  } catch {
    return undefined;
  }
};

beforeAll(async () => {
  t = await bootTestApp();
  realCarts = provided(t) !== undefined;
  if (!realCarts) {
    await t.close();
    t = await bootTestApp({ imports: [StandInGuestCartsModule] });
  }
  carts = provided(t)!;
});
afterAll(async () => t?.close());

const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  t.inject('POST', '/api/v1/auth/login', { body: { email, password }, headers });

describe('guest cart merge at login', () => {
  it("merges the guest cart named by X-Cart-Token into the customer's cart", async () => {
    const { user, password } = await t.registerAndLogin('customer');
    const merge = vi.spyOn(carts, 'mergeIntoCustomerCart');
    try {
      const res = await login(user.email, password, { 'x-cart-token': 'guest-cart-token-1' });
      expect(res.statusCode).toBe(200);
      expect(merge).toHaveBeenCalledTimes(1);
      expect(merge).toHaveBeenCalledWith(
        'guest-cart-token-1',
        user.id,
        expect.objectContaining({ userId: user.id, commandId: expect.any(String) }),
      );
    } finally {
      merge.mockRestore();
    }
  });

  it('never fails a login because of the cart token', async () => {
    const { user, password } = await t.registerAndLogin('customer');
    const merge = vi.spyOn(carts, 'mergeIntoCustomerCart').mockRejectedValue(new Error('cart store unavailable'));
    try {
      const res = await login(user.email, password, { 'x-cart-token': 'whatever' });
      expect(res.statusCode).toBe(200);
      expect(res.json().accessToken).toEqual(expect.any(String));
      expect(merge).toHaveBeenCalledTimes(1);
    } finally {
      merge.mockRestore();
    }
  });

  it('merges nothing without a token, for staff, or when the login fails', async () => {
    const customer = await t.registerAndLogin('customer');
    const staff = await t.registerAndLogin('staff');
    const merge = vi.spyOn(carts, 'mergeIntoCustomerCart');
    try {
      expect((await login(customer.user.email, customer.password)).statusCode).toBe(200);
      expect((await login(staff.user.email, staff.password, { 'x-cart-token': 'guest' })).statusCode).toBe(200);
      expect((await login(customer.user.email, 'wrong password', { 'x-cart-token': 'guest' })).statusCode).toBe(401);
      expect((await login(customer.user.email, customer.password, { 'x-cart-token': 'x'.repeat(1000) })).statusCode).toBe(200);
      expect(merge).not.toHaveBeenCalled();
    } finally {
      merge.mockRestore();
    }
  });
});

describe('guest cart merge at login, end to end', () => {
  it("moves a guest's cart lines into the customer's cart when logging in with its X-Cart-Token", async (ctx) => {
    if (!realCarts) ctx.skip();
    const admin = await t.registerAndLogin('admin');
    await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'merge-mugs', name: 'Mugs' } });
    const created = await t.inject('POST', '/api/v1/products', {
      token: admin.token,
      body: { sku: 'MERGE-MUG', name: 'Mug', category: 'merge-mugs', price: { amount: 1299, currency: 'EUR' } },
    });
    expect(created.statusCode).toBe(201);
    const guest = await t.inject('POST', '/api/v1/cart/items', { body: { sku: 'MERGE-MUG', quantity: 2 } });
    expect(guest.statusCode).toBe(200);
    const cartToken = String(guest.headers['x-cart-token']);

    const { user, password } = await t.registerAndLogin('customer');
    const res = await login(user.email, password, { 'x-cart-token': cartToken });
    expect(res.statusCode).toBe(200);
    const cart = (await t.inject('GET', '/api/v1/cart', { token: res.json().accessToken })).json();
    expect(cart.items.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity }))).toEqual([
      { sku: 'MERGE-MUG', quantity: 2 },
    ]);
    expect((await t.inject('GET', '/api/v1/cart', { headers: { 'x-cart-token': cartToken } })).statusCode).toBe(404);
  });
});
