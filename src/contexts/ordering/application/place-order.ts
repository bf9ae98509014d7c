import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, WrongExpectedVersion } from '../../../platform/event-store/event-store';
import { Config } from '../../../platform/config';
import { Database, type Sql } from '../../../platform/persistence/database';
import { Scheduler } from '../../../platform/scheduling/scheduler';
import { CartContents } from '../../cart/contracts';
import { checkoutDecider, checkoutStream, checkoutTimeoutKey, start } from '../domain/checkout';
import { CartAlreadyOrdered, EmptyCart, orderDecider, orderStream, place, type OrderPlaced, type ShippingAddress } from '../domain/order';
import { getOrder } from './orders.projection';

export type PlaceOrder = { customerId: string; paymentToken: string; shippingAddress: ShippingAddress };

/** The same command id always names the same order, so a retried request lands on the same stream. */
export const orderIdFor = (commandId: string): string => {
  const h = createHash('sha256').update(`ordering.order:${commandId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/**
 * Places an order from the customer's cart and starts its checkout, in one transaction: OrderPlaced in the order's
 * stream (the inline projection writes `ordering.orders`), CheckoutStarted + StockReservationRequested in the
 * checkout's stream (the payment token stays there, never in the order), and the checkout's timeout.
 */
@Injectable()
export class PlaceOrderHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
    private readonly scheduler: Scheduler,
    private readonly carts: CartContents,
    private readonly config: Config,
  ) {}

  async execute(cmd: PlaceOrder, meta: CommandMeta): Promise<{ orderId: string }> {
    const orderId = orderIdFor(meta.commandId);
    const cart = await this.carts.getCart(cmd.customerId);
    if (cart.lines.length === 0) {
      // a repeat of a command that succeeded: its order already emptied the cart
      if ((await getOrder(this.db, orderId))?.customerId === cmd.customerId) return { orderId };
      throw new EmptyCart('the cart is empty', { cartId: cart.cartId });
    }
    const placed = place(orderDecider.initialState(), {
      orderId,
      customerId: cmd.customerId,
      cartId: cart.cartId,
      lines: cart.lines.map(({ sku, name, quantity, unitPrice }) => ({ sku, name, quantity, unitPrice })),
      shippingAddress: cmd.shippingAddress,
      now: meta.now,
    });
    try {
      return await this.db.transaction(async (tx) => {
        const appended = await this.events.append(orderStream(orderId), [placed], { expectedVersion: 'no_stream', meta, tx });
        if (appended.duplicate) return { orderId: (appended.events[0] as unknown as OrderPlaced).data.orderId };
        // the cart is emptied later (cart consumes order-placed): until then its version names what was ordered
        const { rows: claimed } = await tx.query<{ order_id: string }>(
          `insert into ordering.cart_checkouts (cart_id, cart_version, order_id) values ($1, $2, $3)
           on conflict (cart_id, cart_version) do nothing returning order_id`,
          [cart.cartId, cart.version, orderId],
        );
        if (claimed.length === 0) throw new CartAlreadyOrdered(cart.cartId, await this.orderOfCart(tx, cart.cartId, cart.version));
        const { total, lines } = placed.data;
        const checkout = start(checkoutDecider.initialState(), {
          orderId,
          customerId: cmd.customerId,
          lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
          total,
          paymentToken: cmd.paymentToken,
        });
        await this.events.append(checkoutStream(orderId), checkout, {
          expectedVersion: 'no_stream',
          meta: { ...meta, commandId: `${meta.commandId}:checkout` },
          tx,
        });
        await this.scheduler.schedule(
          {
            key: checkoutTimeoutKey(orderId),
            stream: checkoutStream(orderId),
            event: { type: 'CheckoutTimedOut', data: { orderId } },
            dueAt: new Date(meta.now.getTime() + this.config.checkoutTimeoutMs),
            meta: { correlationId: meta.correlationId, causationId: meta.commandId, userId: meta.userId },
          },
          tx,
        );
        return { orderId };
      });
    } catch (error) {
      // the order's stream exists: the same command placed it before (its id derives from the command id)
      if (error instanceof WrongExpectedVersion) return { orderId };
      throw error;
    }
  }

  private async orderOfCart(tx: Sql, cartId: string, version: number): Promise<string> {
    const { rows } = await tx.query<{ order_id: string }>(
      'select order_id from ordering.cart_checkouts where cart_id = $1 and cart_version = $2',
      [cartId, version],
    );
    return rows[0]?.order_id ?? '';
  }
}
