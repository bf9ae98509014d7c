import { z } from 'zod';
import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import { CartMessages } from '../../cart/contracts';
import { OrderingMessages } from '../../ordering/contracts';

/** The fields analytics reads from each message; consumers tolerate extra fields, and odd data is skipped, never thrown. */
const Money = z.object({ amount: z.number().int(), currency: z.string().length(3) });
export const OrderRef = z.object({ orderId: z.string().min(1).max(100) });
export const Placed = OrderRef.extend({
  customerId: z.string().min(1).max(100),
  total: Money,
  lines: z.array(
    z.object({
      sku: z.string().max(64),
      productId: z.string().max(100).optional(),
      name: z.string().max(300),
      quantity: z.number().int(),
      unitPrice: Money,
    }),
  ),
});
export const Confirmed = OrderRef.extend({ total: Money });
export type Placed = z.infer<typeof Placed>;
export type Confirmed = z.infer<typeof Confirmed>;
export const Refunded = OrderRef.extend({ amount: Money, totalRefunded: Money });
export type Refunded = z.infer<typeof Refunded>;
/** A cart started: analytics counts it by the day it happened and reads nothing of its data. */
export const CartStarted = z.object({});

/** Calendar day (UTC) of a message: days in analytics are UTC days. */
export const dayOf = (message: IntegrationMessage): string => message.occurredAt.slice(0, 10);

/** The steps after confirmation that analytics records by their time, named as `analytics.order_status` names them. */
const STEPS: Readonly<Record<string, OrderStep>> = {
  [OrderingMessages.orderShipped]: 'shipped',
  [OrderingMessages.orderDelivered]: 'delivered',
  [OrderingMessages.orderCancelled]: 'cancelled',
};
export type OrderStep = 'shipped' | 'delivered' | 'cancelled';

/**
 * What a batch of messages tells the sales read models, grouped by kind. Every fact is written so that its effect
 * does not depend on what was handled before it (a row made by whichever fact comes first, steps kept by their time,
 * the status ranked), so the kinds can be written one after the other, each set-based, whatever the batch's size.
 */
export type SalesFacts = {
  /** carts started per day */
  readonly cartsStarted: ReadonlyMap<string, number>;
  /** the first placement of each order in the batch */
  readonly placed: readonly { readonly day: string; readonly data: Placed }[];
  /** the first confirmation of each order in the batch */
  readonly confirmed: readonly { readonly day: string; readonly data: Confirmed }[];
  readonly steps: readonly { readonly orderId: string; readonly step: OrderStep; readonly at: string }[];
  readonly refunds: readonly { readonly day: string; readonly at: string; readonly data: Refunded }[];
};

/** Groups a batch's messages by what they tell (a malformed one tells nothing). */
export const collectSalesFacts = (messages: readonly IntegrationMessage[]): SalesFacts => {
  const cartsStarted = new Map<string, number>();
  const placed = new Map<string, { day: string; data: Placed }>();
  const confirmed = new Map<string, { day: string; data: Confirmed }>();
  const steps: { orderId: string; step: OrderStep; at: string }[] = [];
  const refunds: { day: string; at: string; data: Refunded }[] = [];
  for (const message of messages) {
    const day = dayOf(message);
    const step = STEPS[message.type];
    if (message.type === CartMessages.cartStarted) cartsStarted.set(day, (cartsStarted.get(day) ?? 0) + 1);
    if (message.type === OrderingMessages.orderPlaced) {
      const parsed = Placed.safeParse(message.data);
      if (parsed.success && !placed.has(parsed.data.orderId)) placed.set(parsed.data.orderId, { day, data: parsed.data });
    }
    if (message.type === OrderingMessages.orderConfirmed) {
      const parsed = Confirmed.safeParse(message.data);
      if (parsed.success && !confirmed.has(parsed.data.orderId)) confirmed.set(parsed.data.orderId, { day, data: parsed.data });
    }
    if (step) {
      const parsed = OrderRef.safeParse(message.data);
      if (parsed.success) steps.push({ orderId: parsed.data.orderId, step, at: message.occurredAt });
    }
    if (message.type === OrderingMessages.orderRefunded) {
      const parsed = Refunded.safeParse(message.data);
      if (parsed.success) refunds.push({ day, at: message.occurredAt, data: parsed.data });
    }
  }
  return { cartsStarted, placed: [...placed.values()], confirmed: [...confirmed.values()], steps, refunds };
};
