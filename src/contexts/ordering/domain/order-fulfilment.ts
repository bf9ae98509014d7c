import { Conflict } from '../../../shared-kernel/errors';
import type { OrderDelivered, OrderParcelReturned, OrderShipped, ParcelReturnReason } from './order-lifecycle.events';
import { OrderNotFound, type Order } from './order';
import { may } from './order-status';

export class OrderNotShippable extends Conflict {
  constructor(orderId: string, status: string) {
    super('ordering.order_not_shippable', `cannot ship an order that is ${status}`, { orderId, status });
  }
}
/** Shipped already, with another carrier or tracking number. */
export class OrderAlreadyShipped extends Conflict {
  constructor(orderId: string, shipment: { carrier: string; trackingNumber: string }) {
    super('ordering.order_already_shipped', 'the order has already been shipped with another parcel', { orderId, ...shipment });
  }
}
export class OrderNotDeliverable extends Conflict {
  constructor(orderId: string, status: string, parcelReturn?: ParcelReturnReason) {
    const why = parcelReturn ? `whose parcel the carrier reported ${parcelReturn.replaceAll('_', ' ')}` : `that is ${status}`;
    super('ordering.order_not_deliverable', `cannot deliver an order ${why}`, {
      orderId,
      status,
      ...(parcelReturn ? { parcelReturn } : {}),
    });
  }
}
/** A carrier's report of a parcel coming back for an order that has none out (not shipped, or delivered). */
export class ParcelNotOut extends Conflict {
  constructor(orderId: string, status: string) {
    super('ordering.parcel_not_out', `no parcel of this order is out with a carrier: it is ${status}`, { orderId, status });
  }
}

export type ShipOrderDecision = { orderId: string; shipmentId: string; carrier: string; trackingNumber: string; now: Date };

/**
 * Whether the order may be handed to this carrier with this tracking number: [] when it already was (a repeat),
 * else throws why not. Asked before the parcel is dispatched, and again by `ship`.
 */
export const checkShippable = (state: Order, cmd: { orderId: string; carrier: string; trackingNumber: string }): 'ship' | 'shipped' => {
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  if (state.shipment) {
    const same = state.shipment.carrier === cmd.carrier && state.shipment.trackingNumber === cmd.trackingNumber;
    if (same) return 'shipped';
    throw new OrderAlreadyShipped(cmd.orderId, state.shipment);
  }
  if (!may('ship', state.status)) throw new OrderNotShippable(cmd.orderId, state.status);
  return 'ship';
};

/** A paid order leaves with a carrier; shipping it again with the same parcel is a no-op. */
export const ship = (state: Order, cmd: ShipOrderDecision): OrderShipped[] => {
  if (checkShippable(state, cmd) === 'shipped' || state.status === 'none') return [];
  const { orderId, shipmentId, carrier, trackingNumber } = cmd;
  return [
    {
      type: 'OrderShipped',
      data: { orderId, customerId: state.customerId, shipmentId, carrier, trackingNumber, shippedAt: cmd.now.toISOString() },
    },
  ];
};

/**
 * The goods reached the customer (staff said so, or the carrier did): a repeat from either is a no-op. A parcel the
 * carrier reported intercepted or returned to sender reaches nobody.
 */
export const deliver = (state: Order, cmd: { orderId: string; now: Date }): OrderDelivered[] => {
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  if (state.status === 'delivered') return [];
  if (state.parcelReturn) throw new OrderNotDeliverable(cmd.orderId, state.status, state.parcelReturn);
  if (!may('deliver', state.status)) throw new OrderNotDeliverable(cmd.orderId, state.status);
  const lines = state.lines.map(({ sku, productId, quantity }) => ({ sku, ...(productId ? { productId } : {}), quantity }));
  return [
    { type: 'OrderDelivered', data: { orderId: cmd.orderId, customerId: state.customerId, lines, deliveredAt: cmd.now.toISOString() } },
  ];
};

/**
 * The carrier reports the shipped parcel intercepted (coming back) or returned to sender (back): the order records
 * it, and staff may then cancel it. Each report is recorded once; the return after an interception is news (also
 * when the order was cancelled meanwhile), an interception after the return is not.
 */
export const recordParcelReturn = (
  state: Order,
  cmd: { orderId: string; reason: ParcelReturnReason; now: Date },
): OrderParcelReturned[] => {
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  if (state.parcelReturn === cmd.reason || state.parcelReturn === 'returned_to_sender') return [];
  if (!state.parcelReturn && !may('recordParcelReturn', state.status)) throw new ParcelNotOut(cmd.orderId, state.status);
  const { orderId, reason } = cmd;
  return [{ type: 'OrderParcelReturned', data: { orderId, customerId: state.customerId, reason, reportedAt: cmd.now.toISOString() } }];
};
