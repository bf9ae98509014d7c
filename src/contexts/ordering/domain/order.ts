import { Conflict, DomainError, NotFound } from '../../../shared-kernel/errors';
import { sum, times, type Money } from '../../../shared-kernel/money';

export type OrderLine = { sku: string; name: string; quantity: number; unitPrice: Money };
export type ShippingAddress = { name: string; line1: string; line2?: string; city: string; postalCode: string; country: string };

// Events: facts in the order's stream `ordering.order-<orderId>`. Dates are ISO-8601 strings (event data is JSON).
export type OrderPlaced = {
  type: 'OrderPlaced';
  data: {
    orderId: string;
    customerId: string;
    cartId: string;
    lines: OrderLine[];
    total: Money;
    shippingAddress: ShippingAddress;
    placedAt: string;
  };
};
export type OrderConfirmed = { type: 'OrderConfirmed'; data: { orderId: string; customerId: string; total: Money; confirmedAt: string } };
export type OrderCancelled = { type: 'OrderCancelled'; data: { orderId: string; customerId: string; reason: string; cancelledAt: string } };
export type OrderEvent = OrderPlaced | OrderConfirmed | OrderCancelled;

// State: only what the decisions need; the read model `ordering.orders` holds the rest.
export type Order =
  | { status: 'none' }
  | { status: 'placed'; customerId: string; total: Money }
  | { status: 'confirmed'; customerId: string }
  | { status: 'cancelled'; customerId: string; reason: string };

export const initialState = (): Order => ({ status: 'none' });

export const evolve = (state: Order, event: OrderEvent): Order => {
  switch (event.type) {
    case 'OrderPlaced':
      return { status: 'placed', customerId: event.data.customerId, total: event.data.total };
    case 'OrderConfirmed':
      return state.status === 'none' ? state : { status: 'confirmed', customerId: state.customerId };
    case 'OrderCancelled':
      return state.status === 'none' ? state : { status: 'cancelled', customerId: state.customerId, reason: event.data.reason };
  }
};

export const orderDecider = { initialState, evolve };
export const orderStream = (orderId: string): string => `ordering.order-${orderId}`;
export const ORDER_EVENT_TYPES = ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled'] as const;

export class EmptyCart extends DomainError {
  readonly kind = 'unprocessable';
  readonly code = 'ordering.empty_cart';
}
export class CartAlreadyOrdered extends Conflict {
  constructor(cartId: string, orderId: string) {
    super('ordering.cart_already_ordered', 'these cart contents have already been ordered; refresh the cart', { cartId, orderId });
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
export class OrderNotCancellable extends Conflict {
  constructor(orderId: string, status: string) {
    super('ordering.order_not_cancellable', `cannot cancel an order that is ${status}`, { orderId, status });
  }
}

// Decisions: (state, command incl. now) -> event(s) | throw. Repeating a decision that already happened is a no-op.

export const place = (
  state: Order,
  cmd: { orderId: string; customerId: string; cartId: string; lines: OrderLine[]; shippingAddress: ShippingAddress; now: Date },
): OrderPlaced => {
  if (state.status !== 'none') throw new OrderAlreadyPlaced(cmd.orderId);
  if (cmd.lines.length === 0) throw new EmptyCart('the cart has no lines to order', { cartId: cmd.cartId });
  const total = sum(
    cmd.lines.map((l) => times(l.unitPrice, l.quantity)),
    cmd.lines[0].unitPrice.currency,
  );
  return {
    type: 'OrderPlaced',
    data: {
      orderId: cmd.orderId,
      customerId: cmd.customerId,
      cartId: cmd.cartId,
      lines: cmd.lines,
      total,
      shippingAddress: cmd.shippingAddress,
      placedAt: cmd.now.toISOString(),
    },
  };
};

export const confirm = (state: Order, cmd: { orderId: string; now: Date }): OrderConfirmed[] => {
  if (state.status === 'confirmed') return [];
  if (state.status !== 'placed') {
    if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
    throw new OrderNotConfirmable(cmd.orderId, state.status);
  }
  const { customerId, total } = state;
  return [{ type: 'OrderConfirmed', data: { orderId: cmd.orderId, customerId, total, confirmedAt: cmd.now.toISOString() } }];
};

export const cancel = (state: Order, cmd: { orderId: string; reason: string; now: Date }): OrderCancelled[] => {
  if (state.status === 'cancelled') return [];
  if (state.status !== 'placed') {
    if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
    throw new OrderNotCancellable(cmd.orderId, state.status);
  }
  const { customerId } = state;
  return [{ type: 'OrderCancelled', data: { orderId: cmd.orderId, customerId, reason: cmd.reason, cancelledAt: cmd.now.toISOString() } }];
};
