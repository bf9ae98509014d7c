import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Config } from '../../../platform/config';
import { Database } from '../../../platform/persistence/database';
import { uuidFromDigest } from '../../../shared-kernel/ids';
import { Scheduler } from '../../../platform/scheduling/scheduler';
import { sum, times } from '../../../shared-kernel/money';
import { CartContents, type CartSnapshot } from '../../cart/contracts';
import { ProductCatalog } from '../../catalog/contracts';
import { ShippingRates } from '../../shipping/contracts';
import { checkoutDecider, checkoutStream, checkoutTimeoutKey, start } from '../domain/checkout';
import { EmptyCart, orderDecider, orderStream, place, type ShippingAddress } from '../domain/order';
import { CouponInvalid, parcelWeightGrams, ShippingMethodUnavailable, type ShippingChoice } from '../domain/pricing';
import { claimCartCheckout } from './cart-checkouts';
import { redeemCoupon } from './coupon-redemptions';
import { getOrder } from './orders.projection';
import { getCoupon, getTaxRate } from './pricing-queries';

export type PlaceOrder = {
  customerId: string;
  paymentToken: string;
  shippingAddress: ShippingAddress;
  /** a method code of shipping's rates (GET /shipping-methods?country=) */
  shippingMethod: string;
  couponCode?: string;
};

/** The same command id always names the same order, so a retried request lands on the same stream. */
export const orderIdFor = (commandId: string): string => {
  return uuidFromDigest(createHash('sha256').update(`ordering.order:${commandId}`).digest('hex'), '8');
};

/**
 * Places an order from the customer's cart, priced at the catalog's current prices (the cart refuses a price that
 * moved), with the chosen shipping method, the coupon and the shipping country's tax; then starts its checkout for
 * the grand total. One transaction: OrderPlaced in the order's stream (the inline projection writes
 * `ordering.orders`), the coupon's use, CheckoutStarted (which asks for the stock) in the checkout's stream (the
 * payment token stays there, never in the order), and the checkout's timeout.
 */
@Injectable()
export class PlaceOrderHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
    private readonly scheduler: Scheduler,
    private readonly carts: CartContents,
    private readonly catalog: ProductCatalog,
    private readonly shippingRates: ShippingRates,
    private readonly config: Config,
  ) {}

  async execute(cmd: PlaceOrder, meta: CommandMeta): Promise<{ orderId: string }> {
    const orderId = orderIdFor(meta.commandId);
    // a repeat of a command that succeeded (its answer was lost) is the same order, whatever changed since: the cart
    // emptied, a price moved, the coupon's last use taken by this very order
    if ((await getOrder(this.db, orderId))?.customerId === cmd.customerId) return { orderId };
    const cart = await this.carts.getCartForCheckout(cmd.customerId);
    if (cart.lines.length === 0) throw new EmptyCart('the cart is empty', { cartId: cart.cartId });
    const coupon = cmd.couponCode === undefined ? undefined : await getCoupon(this.db, cmd.couponCode);
    if (cmd.couponCode !== undefined && !coupon) throw new CouponInvalid('no coupon has this code', { code: cmd.couponCode });
    const placed = place(orderDecider.initialState(), {
      orderId,
      customerId: cmd.customerId,
      cartId: cart.cartId,
      lines: cart.lines.map(({ sku, productId, name, quantity, unitPrice }) => ({
        sku,
        ...(productId !== undefined ? { productId } : {}),
        name,
        quantity,
        unitPrice,
      })),
      shipping: await this.shipping(cart, cmd),
      taxRate: await getTaxRate(this.db, cmd.shippingAddress.country),
      coupon,
      shippingAddress: cmd.shippingAddress,
      now: meta.now,
    });
    return this.db.transaction(async (tx) => {
      const appended = await this.events.append(orderStream(orderId), [placed], { expectedVersion: 'no_stream', meta, tx });
      // a repeat of this command that ran alongside this one placed the order first: the store knows the command id
      // (it answers a repeated command id before it checks the stream's version, so a repeat never sees a conflict)
      if (appended.duplicate) return { orderId };
      // the ordered lines leave the cart later (cart consumes order-placed), and only then does the cart count this
      // checkout: the claim keeps the lines from being ordered again meanwhile
      await claimCartCheckout(tx, cart, orderId);
      if (coupon) await redeemCoupon(tx, { code: coupon.code, orderId, now: meta.now });
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
  }

  /** The chosen method's price for the cart's parcel to the shipping country, in the cart's currency. */
  private async shipping(cart: CartSnapshot, cmd: PlaceOrder): Promise<ShippingChoice> {
    const products = await this.catalog.findBySkus(cart.lines.map((l) => l.sku));
    const weightGrams = parcelWeightGrams(cart.lines, products);
    const { country } = cmd.shippingAddress;
    const subtotal = sum(cart.lines.map((l) => times(l.unitPrice, l.quantity)));
    // a method's free-shipping threshold is compared with the goods before any discount, as the method listing shows it
    const quote = await this.shippingRates.quote(cmd.shippingMethod, country, weightGrams, subtotal.currency, subtotal.amount);
    if (!quote)
      throw new ShippingMethodUnavailable('this shipping method does not exist or does not ship to the address', {
        shippingMethod: cmd.shippingMethod,
        country,
      });
    return { method: quote.code, name: quote.name, price: quote.price };
  }
}
