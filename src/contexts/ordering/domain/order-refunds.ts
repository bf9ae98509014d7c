import { Conflict } from '../../../shared-kernel/errors';
import type { OrderRefunded, RefundReason, RefundRejected, RefundRequested } from './order-lifecycle.events';
import { OrderNotFound, refundable, refundedTotal, type Order, type RefundHold } from './order';
import { may } from './order-status';

export class OrderNotRefundable extends Conflict {
  constructor(orderId: string, status: string) {
    super('ordering.order_not_refundable', `cannot refund an order that is ${status}`, { orderId, status });
  }
}
/** Refunds never exceed what was captured, counting those still waiting for payment's answer. */
export class RefundExceedsCaptured extends Conflict {
  constructor(orderId: string, requested: number, refundable: number) {
    super('ordering.refund_exceeds_captured', 'the refund exceeds what is left of the captured amount', { orderId, requested, refundable });
  }
}

/**
 * Asks payment to give `amount` minor units back, in the order's currency. The amount is reserved at once, so
 * refunds asked for together never add up to more than was captured.
 */
export const requestRefund = (
  state: Order,
  cmd: { orderId: string; refundId: string; amount: number; reason: RefundReason; note?: string; returnId?: string; now: Date },
): RefundRequested[] => {
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  if (cmd.refundId in state.refunds) return [];
  if (!may('refund', state.status)) throw new OrderNotRefundable(cmd.orderId, state.status);
  const left = refundable(state);
  if (cmd.amount <= 0 || cmd.amount > left) throw new RefundExceedsCaptured(cmd.orderId, cmd.amount, left);
  const { orderId, refundId, reason, note, returnId } = cmd;
  return [
    {
      type: 'RefundRequested',
      data: {
        orderId,
        customerId: state.customerId,
        refundId,
        amount: { amount: cmd.amount, currency: state.total.currency },
        reason,
        ...(note ? { note } : {}),
        ...(returnId ? { returnId } : {}),
        requestedAt: cmd.now.toISOString(),
      },
    },
  ];
};

/** Payment refunded one of the order's refunds; the order is `refunded` once everything captured went back. */
export const recordRefund = (state: Order, cmd: { orderId: string; refundId: string; now: Date }): OrderRefunded[] => {
  if (state.status === 'none') return [];
  const hold = state.refunds[cmd.refundId] as RefundHold | undefined;
  // not one of ours (the checkout's compensation), or answered already
  if (hold?.status !== 'requested') return [];
  const currency = state.total.currency;
  const totalRefunded = refundedTotal(state) + hold.amount;
  return [
    {
      type: 'OrderRefunded',
      data: {
        orderId: cmd.orderId,
        customerId: state.customerId,
        refundId: cmd.refundId,
        amount: { amount: hold.amount, currency },
        totalRefunded: { amount: totalRefunded, currency },
        reason: hold.reason,
        fullyRefunded: totalRefunded >= state.captured,
        refundedAt: cmd.now.toISOString(),
      },
    },
  ];
};

/** Payment refused one of the order's refunds: its amount may be refunded again. */
export const rejectRefund = (state: Order, cmd: { orderId: string; refundId: string; reason: string; now: Date }): RefundRejected[] => {
  if (state.status === 'none' || (state.refunds[cmd.refundId] as RefundHold | undefined)?.status !== 'requested') return [];
  return [
    {
      type: 'RefundRejected',
      data: { orderId: cmd.orderId, refundId: cmd.refundId, reason: cmd.reason, rejectedAt: cmd.now.toISOString() },
    },
  ];
};
