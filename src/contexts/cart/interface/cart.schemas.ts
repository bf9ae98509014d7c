import { z } from 'zod';
import { Sku } from '../../catalog/contracts';

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
