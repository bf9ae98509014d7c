import { z } from 'zod';
import { Sku } from '../../catalog/contracts';
import { MoneyResponse as Money } from '../../../platform/http/openapi';

const Quantity = z.number().int().min(1).max(99);

export const AddCartItemBody = z.object({ sku: Sku, quantity: Quantity }).strict();
export const ChangeCartItemQuantityBody = z.object({ quantity: Quantity }).strict();

export const CartResponse = z.object({
  id: z.string().nullable().describe('null for a guest who has no cart yet'),
  version: z.number().int().describe('grows with every change of the cart'),
  items: z.array(
    z.object({
      sku: z.string(),
      productId: z.string().optional().describe('absent on lines added before variants existed'),
      name: z.string(),
      quantity: z.number().int(),
      unitPrice: Money.describe('the price quoted when the item was added (or at the last refresh)'),
      lineTotal: Money,
      currentUnitPrice: Money.nullable().describe("the catalog's price now; null when the item is no longer sold"),
      priceChanged: z.boolean(),
      available: z.boolean(),
    }),
  ),
  total: Money,
  needsRefresh: z.boolean().describe('a price changed or an item is no longer sold: checkout refuses the cart until POST /cart/refresh'),
});

export const RefreshCartResponse = CartResponse.extend({
  repriced: z.array(z.object({ sku: z.string(), previousPrice: Money, unitPrice: Money })),
  dropped: z.array(z.object({ sku: z.string(), quantity: z.number().int() })).describe('items taken out: no longer sold'),
});
