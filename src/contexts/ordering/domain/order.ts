import { Conflict, NotFound, Unprocessable } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';
import type { PostalAddress } from '../../../shared-kernel/postal-address';
import { priceOrder, type Coupon, type OrderCharge, type ShippingChoice, type TaxRate } from './pricing';
import type { OrderLifecycleEvent, ParcelReturnReason, RefundReason, ReturnLine } from './order-lifecycle.events';
import { may, type OrderStatus } from './order-status';

/** `productId` is absent on orders placed before variants existed. */
export type OrderLine = { sku: string; productId?: string; name: string; quantity: number; unitPrice: Money };
export type Parcel = { carrier: string; trackingNumber: string };
export type ShippingAddress = PostalAddress;

// Events: facts in the order's stream `ordering.order-<orderId>`. Dates are ISO-8601 strings (event data is JSON).
export type OrderPlaced = {
  type: 'OrderPlaced';
  data: {
    orderId: string;
    customerId: string;
    cartId: string;
    lines: OrderLine[];
    /** Shipping, discount and tax; [] on orders placed before checkout pricing (upcast from schema version 1). */
    charges: OrderCharge[];
    couponCode?: string;
    /** Absent on orders placed before shipping methods. */
    shippingMethod?: string;
    total: Money;
    shippingAddress: ShippingAddress;
    placedAt: string;
  };
};
/** `lines` is absent on orders confirmed before the lifecycle. */
export type OrderConfirmed = {
  type: 'OrderConfirmed';
  data: { orderId: string; customerId: string; total: Money; lines?: OrderLine[]; confirmedAt: string };
};
/**
 * `wasConfirmed`: paid and stock committed (the capture is refunded); absent (false) on older events.
 * `goodsWithCarrier`: shipped, and the carrier intercepted the parcel but has not brought it back yet: its units stay
 * off the shelf until OrderParcelReturned (returned to sender) says they are back; absent (false) on older events.
 */
export type OrderCancelled = {
  type: 'OrderCancelled';
  data: {
    orderId: string;
    customerId: string;
    reason: string;
    wasConfirmed?: boolean;
    goodsWithCarrier?: boolean;
    lines?: OrderLine[];
    cancelledAt: string;
  };
};
export type OrderEvent = OrderPlaced | OrderConfirmed | OrderCancelled | OrderLifecycleEvent;

// State: only what the decisions need; the read model `ordering.orders` holds the rest.
/** A refund asked of payment: its amount stays reserved against the capture until payment answers. */
export type RefundHold = { amount: number; reason: RefundReason; status: 'requested' | 'completed' | 'rejected' };
export type ReturnHold = { status: 'requested' | 'approved'; lines: ReturnLine[] };
export type ActiveOrder = {
  status: OrderStatus;
  customerId: string;
  lines: OrderLine[];
  charges: OrderCharge[];
  total: Money;
  /** Minor units the checkout captured: the total once confirmed, 0 before. */
  captured: number;
  refunds: Record<string, RefundHold>;
  returns: Record<string, ReturnHold>;
  /** The parcel staff asked shipping to hand over, until it is shipped or the dispatch failed. */
  dispatch?: Parcel & { requestedAt: string };
  shipment?: Parcel;
  /** The carrier reported the parcel intercepted or returned to sender: it is not reaching the customer. */
  parcelReturn?: ParcelReturnReason;
  /** Cancelled while the intercepted parcel was still on its way back: its stock comes back with it. */
  goodsWithCarrier?: boolean;
  /** The carrier delivered the parcel after intercepting it. */
  interceptionFailed?: boolean;
};
export type Order = { status: 'none' } | ActiveOrder;

export const initialState = (): Order => ({ status: 'none' });

const on = (state: Order, change: (order: ActiveOrder) => ActiveOrder): Order => (state.status === 'none' ? state : change(state));
const withRefund = (order: ActiveOrder, refundId: string, status: RefundHold['status']): ActiveOrder => {
  const hold = order.refunds[refundId] as RefundHold | undefined;
  return hold ? { ...order, refunds: { ...order.refunds, [refundId]: { ...hold, status } } } : order;
};

export const evolve = (state: Order, event: OrderEvent): Order => {
  switch (event.type) {
    case 'OrderPlaced': {
      const { customerId, lines, charges, total } = event.data;
      return { status: 'placed', customerId, lines, charges, total, captured: 0, refunds: {}, returns: {} };
    }
    case 'OrderConfirmed':
      return on(state, (o) => ({ ...o, status: 'confirmed', captured: event.data.total.amount }));
    case 'OrderCancelled':
      return on(state, (o) => ({ ...o, status: 'cancelled', ...(event.data.goodsWithCarrier ? { goodsWithCarrier: true } : {}) }));
    case 'OrderDispatchRequested': {
      const { carrier, trackingNumber, requestedAt } = event.data;
      return on(state, (o) => ({ ...o, status: 'dispatching', dispatch: { carrier, trackingNumber, requestedAt } }));
    }
    case 'OrderDispatchFailed':
      return on(state, ({ dispatch: _failed, ...o }) => ({ ...o, status: o.status === 'dispatching' ? 'confirmed' : o.status }));
    case 'OrderShipped': {
      const { carrier, trackingNumber } = event.data;
      return on(state, ({ dispatch: _done, ...o }) => ({ ...o, status: 'shipped', shipment: { carrier, trackingNumber } }));
    }
    case 'OrderDelivered':
      return on(state, (o) => ({ ...o, status: 'delivered' }));
    case 'OrderParcelReturned':
      // returned to sender: the goods are back
      return on(state, ({ goodsWithCarrier, ...o }) => ({
        ...o,
        parcelReturn: event.data.reason,
        ...(goodsWithCarrier && event.data.reason === 'intercepted' ? { goodsWithCarrier } : {}),
      }));
    case 'ParcelInterceptionFailed':
      // the goods reached the customer: nothing is coming back
      return on(state, ({ parcelReturn: _intercepted, goodsWithCarrier: _withCustomer, ...o }) => ({ ...o, interceptionFailed: true }));
    case 'RefundRequested': {
      const { refundId, amount, reason } = event.data;
      return on(state, (o) => ({ ...o, refunds: { ...o.refunds, [refundId]: { amount: amount.amount, reason, status: 'requested' } } }));
    }
    case 'OrderRefunded': {
      const { refundId, fullyRefunded } = event.data;
      return on(state, (o) => ({ ...withRefund(o, refundId, 'completed'), status: fullyRefunded ? 'refunded' : o.status }));
    }
    case 'RefundRejected':
      return on(state, (o) => withRefund(o, event.data.refundId, 'rejected'));
    case 'ReturnRequested':
    case 'ReturnApproved': {
      const { returnId, lines } = event.data;
      const status = event.type === 'ReturnRequested' ? 'requested' : 'approved';
      return on(state, (o) => ({ ...o, returns: { ...o.returns, [returnId]: { status, lines } } }));
    }
  }
};

/** Minor units that may still be refunded: what was captured minus every refund asked for and not rejected. */
export const refundable = (order: ActiveOrder): number =>
  Object.values(order.refunds).reduce((left, r) => (r.status === 'rejected' ? left : left - r.amount), order.captured);

/** Minor units payment has given back so far. */
export const refundedTotal = (order: ActiveOrder): number =>
  Object.values(order.refunds).reduce((done, r) => (r.status === 'completed' ? done + r.amount : done), 0);

export const orderDecider = { initialState, evolve };
export const orderStream = (orderId: string): string => `ordering.order-${orderId}`;
export const ORDER_EVENT_TYPES = ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled'] as const;

export class EmptyCart extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ordering.empty_cart', message, details);
  }
}
export class CartAlreadyOrdered extends Conflict {
  constructor(cartId: string, orderId: string) {
    super(
      'ordering.cart_already_ordered',
      'an order was just placed from this cart and its lines are leaving it; read the cart again before checking out',
      { cartId, orderId },
    );
  }
}
export class OrderAlreadyPlaced extends Conflict {
  constructor(orderId: string) {
    super('ordering.order_already_placed', 'the order has already been placed', { orderId });
  }
}
export class OrderNotFound extends NotFound {
  constructor(orderId: string) {
    super('ordering.order_not_found', 'order not found', { orderId });
  }
}
export class OrderNotConfirmable extends Conflict {
  constructor(orderId: string, status: string) {
    super('ordering.order_not_confirmable', `cannot confirm an order that is ${status}`, { orderId, status });
  }
}

// Decisions: (state, command incl. now) -> event(s) | throw. Repeating a decision that already happened is a no-op.
// Cancelling is in order-cancellation.ts, the order's life after its checkout in order-fulfilment.ts and its neighbours.

/** Prices the cart's lines with the chosen shipping, the coupon (if any) and the shipping country's tax rate (if any). */
export const place = (
  state: Order,
  cmd: {
    orderId: string;
    customerId: string;
    cartId: string;
    lines: OrderLine[];
    shipping: ShippingChoice;
    taxRate?: TaxRate;
    coupon?: Coupon;
    shippingAddress: ShippingAddress;
    now: Date;
  },
): OrderPlaced => {
  if (state.status !== 'none') throw new OrderAlreadyPlaced(cmd.orderId);
  if (cmd.lines.length === 0) throw new EmptyCart('the cart has no lines to order', { cartId: cmd.cartId });
  const { charges, total } = priceOrder({
    lines: cmd.lines,
    shipping: cmd.shipping,
    taxRate: cmd.taxRate,
    coupon: cmd.coupon,
    now: cmd.now,
  });
  return {
    type: 'OrderPlaced',
    data: {
      orderId: cmd.orderId,
      customerId: cmd.customerId,
      cartId: cmd.cartId,
      lines: cmd.lines,
      charges,
      ...(cmd.coupon ? { couponCode: cmd.coupon.code } : {}),
      shippingMethod: cmd.shipping.method,
      total,
      shippingAddress: cmd.shippingAddress,
      placedAt: cmd.now.toISOString(),
    },
  };
};

export const confirm = (state: Order, cmd: { orderId: string; now: Date }): OrderConfirmed[] => {
  if (state.status === 'confirmed') return [];
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  if (!may('confirm', state.status)) throw new OrderNotConfirmable(cmd.orderId, state.status);
  const { customerId, total, lines } = state;
  return [{ type: 'OrderConfirmed', data: { orderId: cmd.orderId, customerId, total, lines, confirmedAt: cmd.now.toISOString() } }];
};
