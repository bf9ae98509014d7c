import { z } from 'zod';

export const Sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a SKU is 1-64 letters, digits, dots, dashes or underscores');
const Quantity = z.number().int().min(1).max(99);

export const AddCartItemBody = z.object({ sku: Sku, quantity: Quantity }).strict();
export const ChangeCartItemQuantityBody = z.object({ quantity: Quantity }).strict();

const Money = z.object({ amount: z.number().int().describe('minor units'), currency: z.string() });
export const CartResponse = z.object({
  id: z.string(),
  version: z.number().int().describe('grows with every change of the cart'),
  items: z.array(z.object({ sku: z.string(), name: z.string(), quantity: z.number().int(), unitPrice: Money, lineTotal: Money })),
  total: Money,
});
