import { z } from 'zod';
import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import { CartMessages } from '../../cart/contracts';
import { OrderingMessages } from '../../ordering/contracts';

/** The fields analytics reads from each message; consumers tolerate extra fields, and odd data is skipped, never thrown. */
const Money = z.object({ amount: z.number().int(), currency: z.string().length(3) });
const OrderRef = z.object({ orderId: z.string().min(1).max(100) });
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
const Refunded = OrderRef.extend({ amount: Money, totalRefunded: Money });

/** Calendar day (UTC) of a message: days in analytics are UTC days. */
export const dayOf = (message: IntegrationMessage): string => message.occurredAt.slice(0, 10);

const setStatus = (tx: Sql, orderId: string, status: string) =>
  tx.query('update analytics.orders set status = $2 where order_id = $1', [orderId, status]);

/** Folds one integration message into the sales read models (runs in the consumer's transaction). */
export const applySalesMessage = async (tx: Sql, message: IntegrationMessage): Promise<void> => {
  const day = dayOf(message);
  switch (message.type) {
    case CartMessages.cartStarted:
      await tx.query(
        `insert into analytics.daily_carts (day, carts_started) values ($1, 1)
         on conflict (day) do update set carts_started = analytics.daily_carts.carts_started + 1`,
        [day],
      );
      return;
    case OrderingMessages.orderPlaced: {
      const placed = Placed.safeParse(message.data);
      if (!placed.success) return;
      const { orderId, customerId, total, lines } = placed.data;
      const inserted = await tx.query(
        `insert into analytics.orders (order_id, customer_id, status, currency, total, placed_day) values ($1, $2, 'placed', $3, $4, $5)
         on conflict (order_id) do nothing`,
        [orderId, customerId, total.currency, total.amount, day],
      );
      if (inserted.rowCount === 0) return;
      for (const [i, line] of lines.entries()) {
        await tx.query(
          `insert into analytics.order_lines (order_id, line_no, sku, product_id, name, quantity, amount, currency)
           values ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            orderId,
            i,
            line.sku,
            line.productId ?? null,
            line.name,
            line.quantity,
            line.unitPrice.amount * line.quantity,
            line.unitPrice.currency,
          ],
        );
      }
      return;
    }
    case OrderingMessages.orderConfirmed: {
      const confirmed = Confirmed.safeParse(message.data);
      if (!confirmed.success) return;
      const { rowCount } = await tx.query(
        `update analytics.orders set status = 'confirmed', confirmed_day = $2 where order_id = $1 and confirmed_day is null`,
        [confirmed.data.orderId, day],
      );
      if (rowCount === 0) return;
      await tx.query(
        `insert into analytics.daily_sales (day, currency, confirmed_orders, revenue) values ($1, $2, 1, $3)
         on conflict (day, currency) do update set confirmed_orders = analytics.daily_sales.confirmed_orders + 1,
                                                   revenue = analytics.daily_sales.revenue + excluded.revenue`,
        [day, confirmed.data.total.currency, confirmed.data.total.amount],
      );
      return;
    }
    case OrderingMessages.orderShipped:
    case OrderingMessages.orderDelivered:
    case OrderingMessages.orderCancelled: {
      const ref = OrderRef.safeParse(message.data);
      const status = message.type.split('.')[1].replace('order-', '');
      if (ref.success) await setStatus(tx, ref.data.orderId, status);
      return;
    }
    case OrderingMessages.orderRefunded: {
      const refunded = Refunded.safeParse(message.data);
      if (!refunded.success) return;
      const { orderId, amount, totalRefunded } = refunded.data;
      await tx.query(
        `update analytics.orders set refunded = $2, status = case when $2 >= total then 'refunded' else status end where order_id = $1`,
        [orderId, totalRefunded.amount],
      );
      await tx.query(
        `insert into analytics.daily_sales (day, currency, refunds) values ($1, $2, $3)
         on conflict (day, currency) do update set refunds = analytics.daily_sales.refunds + excluded.refunds`,
        [day, amount.currency, amount.amount],
      );
      return;
    }
  }
};
