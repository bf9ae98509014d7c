import { Conflict, NotFound, Unprocessable } from '../../../shared-kernel/errors';
import { fractionHalfUp } from '../../../shared-kernel/money';
import type { RefundRequested, ReturnApproved, ReturnLine, ReturnRequested } from './order-lifecycle.events';
import { OrderNotFound, refundable, type ActiveOrder, type Order, type ReturnHold } from './order';
import { may } from './order-status';

export class OrderNotReturnable extends Conflict {
  constructor(orderId: string, status: string) {
    super('ordering.order_not_returnable', `cannot return goods of an order that is ${status}`, { orderId, status });
  }
}
export class ReturnLineNotInOrder extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('ordering.return_line_not_in_order', message, details);
  }
}
/** More of a SKU than was delivered, counting what earlier returns already send back. */
export class ReturnExceedsDelivered extends Conflict {
  constructor(orderId: string, sku: string, returnable: number) {
    super('ordering.return_exceeds_delivered', 'more than was delivered and not yet returned', { orderId, sku, returnable });
  }
}
export class ReturnNotFound extends NotFound {
  constructor(returnId: string) {
    super('ordering.return_not_found', 'return not found', { returnId });
  }
}

/**
 * What the customer paid for these goods: their list value with the order's discount and tax spread over the goods
 * in proportion to value. Shipping is not paid back. Returning every line pays back the goods' whole share.
 */
export const returnValue = (order: ActiveOrder, lines: readonly ReturnLine[]): number => {
  const price = new Map(order.lines.map((l) => [l.sku, l.unitPrice.amount]));
  const subtotal = order.lines.reduce((s, l) => s + l.unitPrice.amount * l.quantity, 0);
  const of = (kind: string) => order.charges.filter((c) => c.kind === kind).reduce((s, c) => s + c.amount.amount, 0);
  const goodsNet = subtotal + of('discount');
  const taxable = goodsNet + of('shipping');
  const goodsPaid = goodsNet + fractionHalfUp(of('tax'), goodsNet, taxable);
  const value = lines.reduce((s, l) => s + (price.get(l.sku) ?? 0) * l.quantity, 0);
  return fractionHalfUp(value, goodsPaid, subtotal);
};

/**
 * What approving a return of `lines` pays back, allocated by cumulative shares: the value of everything approved so
 * far including these lines, less the value of what was approved before. Rounding each return on its own would let
 * nine returns of one unit refund more than one return of nine; this way the refunds of returned goods sum to exactly
 * what those goods were paid, however the return is split.
 */
export const returnRefund = (order: ActiveOrder, lines: readonly ReturnLine[]): number => {
  const approvedBefore = Object.values(order.returns)
    .filter((r) => r.status === 'approved')
    .flatMap((r) => r.lines);
  return returnValue(order, [...approvedBefore, ...lines]) - returnValue(order, approvedBefore);
};

/** The customer sends back lines of a delivered order: never more of a SKU than was delivered and not yet returned. */
export const requestReturn = (
  state: Order,
  cmd: { orderId: string; returnId: string; lines: ReturnLine[]; now: Date },
): ReturnRequested[] => {
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  if (cmd.returnId in state.returns) return [];
  if (!may('requestReturn', state.status)) throw new OrderNotReturnable(cmd.orderId, state.status);
  const returned = new Map<string, number>();
  for (const hold of Object.values(state.returns)) for (const l of hold.lines) returned.set(l.sku, (returned.get(l.sku) ?? 0) + l.quantity);
  for (const line of cmd.lines) {
    const delivered = state.lines.filter((l) => l.sku === line.sku).reduce((q, l) => q + l.quantity, 0);
    if (delivered === 0) throw new ReturnLineNotInOrder('this SKU is not part of the order', { orderId: cmd.orderId, sku: line.sku });
    const returnable = delivered - (returned.get(line.sku) ?? 0);
    if (line.quantity > returnable) throw new ReturnExceedsDelivered(cmd.orderId, line.sku, returnable);
    returned.set(line.sku, (returned.get(line.sku) ?? 0) + line.quantity);
  }
  const { orderId, returnId, lines } = cmd;
  return [
    { type: 'ReturnRequested', data: { orderId, customerId: state.customerId, returnId, lines, requestedAt: cmd.now.toISOString() } },
  ];
};

/**
 * Staff accept a return: its lines go back on hand, and what the customer paid for them is refunded (no more than
 * is left of the capture). Approving twice is a no-op.
 */
export const approveReturn = (
  state: Order,
  cmd: { orderId: string; returnId: string; refundId: string; now: Date },
): (ReturnApproved | RefundRequested)[] => {
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  const hold = state.returns[cmd.returnId] as ReturnHold | undefined;
  if (!hold) throw new ReturnNotFound(cmd.returnId);
  if (hold.status === 'approved') return [];
  if (!may('approveReturn', state.status)) throw new OrderNotReturnable(cmd.orderId, state.status);
  const { orderId, returnId, refundId } = cmd;
  const { customerId } = state;
  const at = cmd.now.toISOString();
  const amount = Math.min(returnRefund(state, hold.lines), refundable(state));
  const refund = { amount, currency: state.total.currency };
  const approved: ReturnApproved = {
    type: 'ReturnApproved',
    data: { orderId, customerId, returnId, lines: hold.lines, refund, approvedAt: at },
  };
  if (amount <= 0) return [approved];
  return [
    approved,
    { type: 'RefundRequested', data: { orderId, customerId, refundId, amount: refund, reason: 'return', returnId, requestedAt: at } },
  ];
};
