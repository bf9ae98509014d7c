import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootTestApp, type LoggedIn, type TestApp } from '../../test/support/app';
import { SystemClock } from '../shared-kernel/clock';
import { seedDemoData } from './demo-data';
import { DEMO_COUPON, DEMO_CUSTOMER_PASSWORD, DEMO_CUSTOMERS, seedDemoShop } from './demo-shop';

describe('the demo shop', () => {
  let t: TestApp;
  let admin: LoggedIn;

  beforeAll(async () => {
    // consumers run in the background, as under `npm start`: the seeding waits for checkouts and deliveries
    t = await bootTestApp({ background: true, clock: new SystemClock() });
    admin = await t.registerAndLogin('admin');
    await seedDemoData(t.app, { products: 12, onProgress: () => undefined });
  });
  afterAll(() => t.close());

  it('has shipping methods, tax rates, a coupon, customers and orders in every state, with reviews', async () => {
    const result = await seedDemoShop(t.app as NestFastifyApplication, { email: admin.user.email, password: admin.password });
    expect(result).toEqual({ seeded: true, orders: 5, reviews: 4 });

    const methods = (await t.inject('GET', '/api/v1/shipping-methods', { query: { country: 'DE' } })).json();
    expect(methods.items.map((m: { code: string }) => m.code).sort()).toEqual(['express', 'standard']);
    expect((await t.inject('GET', '/api/v1/tax-rates')).json()).toEqual(expect.objectContaining({}));
    const coupons = await t.inject('GET', '/api/v1/coupons', { token: admin.token });
    expect(JSON.stringify(coupons.json())).toContain(DEMO_COUPON);

    const ada = await t.login(DEMO_CUSTOMERS[0].email, DEMO_CUSTOMER_PASSWORD);
    const adas = (await t.inject('GET', '/api/v1/orders', { token: ada.accessToken })).json().items as {
      status: string;
      couponCode?: string;
    }[];
    expect(adas.map((o) => o.status).sort()).toEqual(['confirmed', 'delivered']);
    expect(adas.find((o) => o.status === 'delivered')?.couponCode).toBe(DEMO_COUPON);
    const statuses = (await t.inject('GET', '/api/v1/admin/orders', { token: admin.token, query: { limit: '100' } }))
      .json()
      .items.map((o: { status: string }) => o.status);
    // the cancelled order becomes refunded once its refund has gone through
    expect(statuses.map((s: string) => (s === 'refunded' ? 'cancelled' : s)).sort()).toEqual([
      'cancelled',
      'confirmed',
      'delivered',
      'delivered',
      'shipped',
    ]);

    const products = (await t.inject('GET', '/api/v1/products', { query: { limit: '12' } })).json().items as { id: string }[];
    const reviewed = (await t.inject('GET', `/api/v1/products/${products[1].id}/reviews`)).json();
    expect(reviewed.rating.count).toBe(2);
  });

  it('changes nothing when it runs again', async () => {
    expect(await seedDemoShop(t.app as NestFastifyApplication, { email: admin.user.email, password: admin.password })).toEqual({
      seeded: false,
      orders: 0,
      reviews: 0,
    });
  });
});
