import { Conflict } from '../../../shared-kernel/errors';
import type {
  OrderDelivered,
  OrderDispatchFailed,
  OrderDispatchRequested,
  OrderLifecycleEvent,
  OrderParcelReturned,
  OrderShipped,
  ParcelInterceptionFailed,
  ParcelReturnReason,
} from './order-lifecycle.events';
import { evolve, OrderNotFound, type Order, type Parcel } from './order';
import { may } from './order-status';

export class OrderNotShippable extends Conflict {
  constructor(orderId: string, status: string) {
    super('ordering.order_not_shippable', `cannot ship an order that is ${status}`, { orderId, status });
  }
}
/** Shipped already, with another carrier or tracking number. */
export class OrderAlreadyShipped extends Conflict {
  constructor(orderId: string, shipment: Parcel) {
    super('ordering.order_already_shipped', 'the order has already been shipped with another parcel', { orderId, ...shipment });
  }
}
/** Another parcel of the order is being handed to its carrier: that dispatch is retried, or ends, first. */
export class DispatchInProgress extends Conflict {
  constructor(orderId: string, dispatch: Parcel) {
    super(
      'ordering.dispatch_in_progress',
      'another parcel of this order is being handed to its carrier: retry that dispatch (same carrier and tracking number) until it is shipped or refused',
      { orderId, carrier: dispatch.carrier, trackingNumber: dispatch.trackingNumber },
    );
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
/** A carrier's report of a parcel coming back (or failing to) for an order that has none out (not shipped, or delivered). */
export class ParcelNotOut extends Conflict {
  constructor(orderId: string, status: string) {
    super('ordering.parcel_not_out', `no parcel of this order is out with a carrier: it is ${status}`, { orderId, status });
  }
}

const sameParcel = (a: Parcel, b: Parcel): boolean => a.carrier === b.carrier && a.trackingNumber === b.trackingNumber;

/**
 * Staff hand a paid order to a carrier: the order records the request before shipping registers the parcel, so that
 * nobody cancels it while the parcel is leaving. Asking again for the same parcel (pending or shipped) is a no-op, so
 * a dispatch cut off half way is finished by repeating it; another parcel is refused.
 */
export const requestDispatch = (
  state: Order,
  cmd: { orderId: string; carrier: string; trackingNumber: string; now: Date },
): OrderDispatchRequested[] => {
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  if (state.shipment) {
    if (sameParcel(state.shipment, cmd)) return [];
    throw new OrderAlreadyShipped(cmd.orderId, state.shipment);
  }
  if (state.dispatch) {
    if (sameParcel(state.dispatch, cmd)) return [];
    throw new DispatchInProgress(cmd.orderId, state.dispatch);
  }
  if (!may('dispatch', state.status)) throw new OrderNotShippable(cmd.orderId, state.status);
  const { orderId, carrier, trackingNumber } = cmd;
  return [
    {
      type: 'OrderDispatchRequested',
      data: { orderId, customerId: state.customerId, carrier, trackingNumber, requestedAt: cmd.now.toISOString() },
    },
  ];
};

/** Shipping refused the parcel (`code`: why): the order is free again. Only the pending dispatch of this parcel fails. */
export const failDispatch = (
  state: Order,
  cmd: { orderId: string; carrier: string; trackingNumber: string; code: string; now: Date },
): OrderDispatchFailed[] => {
  if (state.status === 'none' || !state.dispatch || !sameParcel(state.dispatch, cmd)) return [];
  const { orderId, carrier, trackingNumber, code } = cmd;
  return [{ type: 'OrderDispatchFailed', data: { orderId, carrier, trackingNumber, code, failedAt: cmd.now.toISOString() } }];
};

export type ShipOrderDecision = { orderId: string; shipmentId: string; carrier: string; trackingNumber: string; now: Date };

/**
 * The carrier has the parcel (shipping recorded it): the order is shipped; again with the same parcel is a no-op. It
 * ships the pending dispatch of this parcel, or a confirmed order shipping reports a parcel for.
 */
export const ship = (state: Order, cmd: ShipOrderDecision): OrderShipped[] => {
  if (state.status === 'none') throw new OrderNotFound(cmd.orderId);
  if (state.shipment) {
    if (sameParcel(state.shipment, cmd)) return [];
    throw new OrderAlreadyShipped(cmd.orderId, state.shipment);
  }
  if (state.dispatch && !sameParcel(state.dispatch, cmd)) throw new DispatchInProgress(cmd.orderId, state.dispatch);
  if (!state.dispatch && !may('ship', state.status)) throw new OrderNotShippable(cmd.orderId, state.status);
  const { orderId, shipmentId, carrier, trackingNumber } = cmd;
  return [
    {
      type: 'OrderShipped',
      data: { orderId, customerId: state.customerId, shipmentId, carrier, trackingNumber, shippedAt: cmd.now.toISOString() },
    },
  ];
};

/** What shipping reports about the order's parcel, by its shipment and tracking number. */
export type ShipmentFact = { shipmentId: string; trackingNumber: string };

/**
 * A fact of shipping about a parcel the order is still waiting to hear is shipped (its dispatch was cut off before
 * OrderShipped) proves that the carrier has it: the order is shipped first (at the time it asked), then the fact
 * applies. Without a fact (staff's word), or for another parcel, nothing is reconciled.
 */
const reconciled = <E extends OrderLifecycleEvent>(
  state: Order,
  cmd: { orderId: string; shipment?: ShipmentFact },
  decision: (state: Order) => E[],
): (OrderShipped | E)[] => {
  const pending = state.status !== 'none' && !state.shipment ? state.dispatch : undefined;
  if (!cmd.shipment || !pending || pending.trackingNumber !== cmd.shipment.trackingNumber) return decision(state);
  const { shipmentId } = cmd.shipment;
  const shipped = ship(state, { orderId: cmd.orderId, shipmentId, ...pending, now: new Date(pending.requestedAt) });
  return [...shipped, ...decision(shipped.reduce(evolve, state))];
};

/**
 * The goods reached the customer (staff said so, or the carrier did): a repeat from either is a no-op. A parcel the
 * carrier reported intercepted or returned to sender reaches nobody.
 */
export const deliver = (state: Order, cmd: { orderId: string; shipment?: ShipmentFact; now: Date }): (OrderShipped | OrderDelivered)[] =>
  reconciled(state, cmd, (order) => {
    if (order.status === 'none') throw new OrderNotFound(cmd.orderId);
    if (order.status === 'delivered') return [];
    if (order.parcelReturn) throw new OrderNotDeliverable(cmd.orderId, order.status, order.parcelReturn);
    if (!may('deliver', order.status)) throw new OrderNotDeliverable(cmd.orderId, order.status);
    const lines = order.lines.map(({ sku, productId, quantity }) => ({ sku, ...(productId ? { productId } : {}), quantity }));
    return [
      { type: 'OrderDelivered', data: { orderId: cmd.orderId, customerId: order.customerId, lines, deliveredAt: cmd.now.toISOString() } },
    ];
  });

/**
 * The carrier reports the shipped parcel intercepted (coming back) or returned to sender (back): the order records
 * it, and staff may then cancel it. Each report is recorded once; the return after an interception is news (also
 * when the order was cancelled meanwhile: `orderCancelled`, its goods are back), an interception after the return is
 * not.
 */
export const recordParcelReturn = (
  state: Order,
  cmd: { orderId: string; reason: ParcelReturnReason; shipment?: ShipmentFact; now: Date },
): (OrderShipped | OrderParcelReturned)[] =>
  reconciled(state, cmd, (order) => {
    if (order.status === 'none') throw new OrderNotFound(cmd.orderId);
    if (order.parcelReturn === cmd.reason || order.parcelReturn === 'returned_to_sender') return [];
    if (!order.parcelReturn && !may('recordParcelReturn', order.status)) throw new ParcelNotOut(cmd.orderId, order.status);
    const { orderId, reason } = cmd;
    const orderCancelled = order.goodsWithCarrier === true;
    return [
      {
        type: 'OrderParcelReturned',
        data: {
          orderId,
          customerId: order.customerId,
          reason,
          ...(orderCancelled ? { orderCancelled } : {}),
          reportedAt: cmd.now.toISOString(),
        },
      },
    ];
  });

/**
 * The carrier delivered the parcel it had reported intercepted: recorded once (an order delivered already has nothing
 * to learn). An order still shipped is delivered with it (the customer has the goods: they are returned, not
 * cancelled, from now on). An order cancelled meanwhile stays cancelled and keeps its refund; its goods never come back
 * on the shelf, and staff settle with the customer.
 */
export const recordInterceptionFailure = (
  state: Order,
  cmd: { orderId: string; shipment?: ShipmentFact; now: Date },
): (OrderShipped | ParcelInterceptionFailed | OrderDelivered)[] =>
  reconciled(state, cmd, (order) => {
    if (order.status === 'none') throw new OrderNotFound(cmd.orderId);
    if (order.interceptionFailed || order.status === 'delivered') return [];
    if (!order.shipment || order.parcelReturn === 'returned_to_sender') throw new ParcelNotOut(cmd.orderId, order.status);
    const orderCancelled = order.goodsWithCarrier === true || order.status === 'cancelled';
    const failed: ParcelInterceptionFailed = {
      type: 'ParcelInterceptionFailed',
      data: { orderId: cmd.orderId, customerId: order.customerId, orderCancelled, deliveredAt: cmd.now.toISOString() },
    };
    const after = evolve(order, failed);
    return after.status !== 'none' && may('deliver', after.status) ? [failed, ...deliver(after, cmd)] : [failed];
  });
