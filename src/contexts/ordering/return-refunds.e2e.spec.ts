import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedIn } from '../../../test/support/app';
import { openShop, SHIPPING, type Shop } from '../../../test/support/order-shop';
import { newId } from '../../shared-kernel/ids';

/**
 * R7, second half, through HTTP: however a customer splits the return of the goods of one order, the refunds add up
 * to exactly what those goods were paid (their share of discount and tax included, none of the shipping), at the
 * provider as well as on the order.
 */

const UNIT_PRICE = 103;
const berlin = { name: 'Ada Lovelace', line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'DE' };

type OrderView = {
  total: { amount: number };
  charges: { kind: string; amount: { amount: number } }[];
  refunds: { reason: string; amount: { amount: number }; status: string }[];
};

describe('refunds of split returns (e2e)', () => {
  let shop: Shop;

  beforeAll(async () => {
    shop = await openShop();
    const vat = await shop.t.inject('POST', '/api/v1/tax-rates', {
      token: shop.admin.token,
      body: { country: 'DE', rateBps: 1900, name: 'VAT' },
    });
    expect(vat.statusCode, vat.body).toBe(200);
  });
  afterAll(async () => {
    await shop?.t.close();
  });

  /** A delivered order of `quantity` units at 1.03 EUR shipped to Germany (19% VAT on goods and shipping). */
  const deliveredToBerlin = async (customer: LoggedIn, quantity: number): Promise<{ orderId: string; sku: string }> => {
    const { t, post, admin } = shop;
    const sku = `CHEAP-${newId().slice(-12)}`;
    const body = { sku, name: 'Pencil', category: 'mugs', price: { amount: UNIT_PRICE, currency: 'EUR' } };
    expect((await t.inject('POST', '/api/v1/products', { token: admin.token, body })).statusCode).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand: 100 } })).statusCode).toBe(200);
    await t.drain();
    expect((await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity } })).statusCode).toBe(200);
    const placed = await post('/api/v1/checkout', customer.token, {
      paymentToken: 'tok_approve',
      shippingAddress: berlin,
      shippingMethod: 'standard',
    });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId } = placed.json<{ orderId: string }>();
    await t.drain();
    await shop.ship(orderId);
    expect((await post(`/api/v1/orders/${orderId}/deliver`, shop.staff.token)).statusCode).toBe(200);
    return { orderId, sku };
  };

  /** Each return requested by the customer and approved by staff in turn; then payment has refunded them all. */
  const returnInTurn = async (customer: LoggedIn, orderId: string, sku: string, splits: number[]): Promise<OrderView> => {
    const { t, post, staff } = shop;
    for (const quantity of splits) {
      const requested = await post(`/api/v1/orders/${orderId}/returns`, customer.token, { lines: [{ sku, quantity }] });
      expect(requested.statusCode, requested.body).toBe(201);
      const approved = await post(`/api/v1/returns/${requested.json<{ id: string }>().id}/approve`, staff.token);
      expect(approved.statusCode, approved.body).toBe(200);
    }
    await t.drain();
    const res = await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token });
    return res.json<OrderView>();
  };

  /** What the goods of a whole order were paid: goods after discount, plus their share of the tax. */
  const goodsPaid = (order: OrderView, quantity: number): number => {
    const of = (kind: string) => order.charges.filter((c) => c.kind === kind).reduce((s, c) => s + c.amount.amount, 0);
    const goodsNet = quantity * UNIT_PRICE + of('discount');
    const taxable = goodsNet + of('shipping');
    return goodsNet + Math.round((of('tax') * goodsNet) / taxable);
  };
  const refunded = (order: OrderView) => order.refunds.filter((r) => r.status === 'completed').reduce((s, r) => s + r.amount.amount, 0);

  it('nine returns of one unit at 1.03 EUR refund what one return of nine does: 11.03 EUR, none of the shipping', async () => {
    const customer = await shop.t.registerAndLogin('customer');
    const singly = await deliveredToBerlin(customer, 9);
    const atOnce = await deliveredToBerlin(customer, 9);
    const one = await returnInTurn(customer, singly.orderId, singly.sku, Array<number>(9).fill(1));
    const nine = await returnInTurn(customer, atOnce.orderId, atOnce.sku, [9]);

    expect(refunded(nine)).toBe(1103);
    expect(refunded(one)).toBe(1103);
    expect(one.refunds).toHaveLength(9);
    // 9 × 103 of goods + the shipping, 19% VAT on both; what is kept is the shipping with its share of the tax
    expect(one.total.amount).toBe(Math.round((9 * UNIT_PRICE + SHIPPING) * 1.19));
    for (const { orderId } of [singly, atOnce]) expect(await shop.ledger(orderId)).toEqual({ captured: one.total.amount, refunded: 1103 });
  });

  it('whatever the split of the returned units, the refunds sum to what those goods were paid (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }), async (splits) => {
        const customer = await shop.t.registerAndLogin('customer');
        const quantity = splits.reduce((a, b) => a + b, 0);
        const { orderId, sku } = await deliveredToBerlin(customer, quantity);
        const order = await returnInTurn(customer, orderId, sku, splits);
        expect(refunded(order)).toBe(goodsPaid(order, quantity));
        expect(await shop.ledger(orderId)).toEqual({ captured: order.total.amount, refunded: goodsPaid(order, quantity) });
      }),
      { numRuns: 4, endOnFailure: true },
    );
  }, 180_000);
});
