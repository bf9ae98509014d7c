import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { CartMessages } from '../../cart/contracts';
import { OrderingMessages } from '../../ordering/contracts';

/** The messages the sales read models are fed, as the bus carries them (each with an id of its own), at `at`. */
export const eur = (amount: number) => ({ amount, currency: 'EUR' });
export const message = (type: string, data: unknown, at: string): IntegrationMessage => ({
  id: newId(),
  type,
  occurredAt: at,
  correlationId: newId(),
  data,
});
export const cartStarted = (at: string) => message(CartMessages.cartStarted, { cartId: newId(), guest: false, startedAt: at }, at);
export const placed = (orderId: string, total: { amount: number; currency: string }, at: string) =>
  message(
    OrderingMessages.orderPlaced,
    {
      orderId,
      customerId: `customer-of-${orderId}`,
      cartId: newId(),
      total,
      lines: [
        { sku: 'MUG-1', productId: 'p-mug', name: 'Mug', quantity: 1, unitPrice: { ...total, amount: total.amount - 100 } },
        { sku: 'TEA-2', name: 'Tea', quantity: 2, unitPrice: { ...total, amount: 50 } },
      ],
    },
    at,
  );
export const confirmed = (orderId: string, total: { amount: number; currency: string }, at: string) =>
  message(OrderingMessages.orderConfirmed, { orderId, customerId: `customer-of-${orderId}`, total }, at);
export const shipped = (orderId: string, at: string) =>
  message(OrderingMessages.orderShipped, { orderId, carrier: 'dhl', trackingNumber: 'T-1', shippedAt: at }, at);
export const delivered = (orderId: string, at: string) =>
  message(OrderingMessages.orderDelivered, { orderId, lines: [], deliveredAt: at }, at);
export const cancelled = (orderId: string, reason: string, at: string) =>
  message(OrderingMessages.orderCancelled, { orderId, reason, wasConfirmed: reason !== 'payment_declined' }, at);
export const refunded = (orderId: string, amount: number, totalRefunded: number, at: string) =>
  message(
    OrderingMessages.orderRefunded,
    { orderId, refundId: newId(), amount: eur(amount), totalRefunded: eur(totalRefunded), reason: 'goodwill' },
    at,
  );

/** Everything the sales read models hold, in a stable order: two applications that end the same read equal. */
export const readSalesModels = async (db: Sql) => {
  const read = async (sql: string) => (await db.query(sql)).rows;
  return {
    orders: await read('select * from analytics.orders order by order_id'),
    lines: await read('select * from analytics.order_lines order by order_id, line_no'),
    sales: await read('select * from analytics.daily_sales order by day, currency'),
    carts: await read('select * from analytics.daily_carts order by day'),
  };
};
