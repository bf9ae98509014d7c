import { ORDER_LIFECYCLE_EVENT_TYPES } from '../../src/contexts/ordering/domain/order-lifecycle.events';

/**
 * The rules one order's stream must follow once its checkout ended, for `invariantViolations`: what may come after the
 * checkout, that goods which left are cancelled only after the carrier reported them coming back, and when the stock
 * of a cancelled order may go back on hand.
 */

/** What may follow the checkout's end in an order's stream: its life after it, and one cancellation of a confirmed order. */
export const AFTER_CHECKOUT: readonly string[] = [...ORDER_LIFECYCLE_EVENT_TYPES, 'OrderCancelled'];

/** One event of an order's stream, with the fields the rules read. */
export type OrderStreamEvent = { type: string; position: string; data: { goodsWithCarrier?: boolean; reason?: string } };

/**
 * Why an order's stream is not OrderPlaced, the checkout's end (OrderConfirmed or OrderCancelled), then its life; or
 * null. Goods that left are returned, not cancelled: no cancellation while a dispatch is under way, and after shipping
 * only once the carrier reported the parcel coming back; a delivery after that only when the interception failed.
 */
export const streamProblem = (events: readonly OrderStreamEvent[]): string | null => {
  const types = events.map((e) => e.type);
  const count = (type: string) => types.filter((t) => t === type).length;
  if (types[0] !== 'OrderPlaced' || !['OrderConfirmed', 'OrderCancelled'].includes(types[1])) return 'no OrderPlaced and checkout end';
  if (count('OrderPlaced') !== 1 || count('OrderConfirmed') > 1 || count('OrderCancelled') > 1) return 'a decision twice';
  if (types[1] === 'OrderCancelled' && types.length > 2) return 'events after the checkout cancelled it';
  if (!types.slice(2).every((type) => AFTER_CHECKOUT.includes(type))) return 'an event out of place';
  if (count('OrderShipped') > 1 || count('OrderDelivered') > 1 || count('ParcelInterceptionFailed') > 1)
    return 'shipped or delivered twice';
  let dispatching = false;
  for (const type of types) {
    if (type === 'OrderDispatchRequested') dispatching = true;
    if (type === 'OrderDispatchFailed' || type === 'OrderShipped') dispatching = false;
    if (type === 'OrderCancelled' && dispatching) return 'cancelled while its parcel was being dispatched';
  }
  const shipped = types.indexOf('OrderShipped');
  const cameBack = types.indexOf('OrderParcelReturned');
  const cancelled = types.indexOf('OrderCancelled');
  const failed = types.indexOf('ParcelInterceptionFailed');
  const delivered = types.indexOf('OrderDelivered');
  if (cancelled > 1 && shipped > cancelled) return 'shipped after it was cancelled';
  if (shipped >= 0 && cancelled > shipped && !(cameBack > shipped && cameBack < cancelled)) return 'cancelled after shipping';
  if (delivered >= 0 && cancelled >= 0) return 'delivered and cancelled';
  if (delivered >= 0 && cameBack >= 0 && !(cameBack < failed && failed < delivered)) return 'delivered and sent back';
  if (failed >= 0 && !(cameBack >= 0 && cameBack < failed)) return 'an interception failed that was never reported';
  return null;
};

/**
 * Where in the log the goods of an order cancelled while the carrier still had its parcel (intercepted, not back) came
 * back: the return to sender after the cancellation; null when they have not (yet, or the interception failed);
 * undefined when the order was not cancelled that way. Its stock may go back on hand only after that point.
 */
export const goodsBackAt = (events: readonly OrderStreamEvent[]): bigint | null | undefined => {
  const cancelled = events.findIndex((e) => e.type === 'OrderCancelled');
  if (cancelled < 0 || events[cancelled].data.goodsWithCarrier !== true) return undefined;
  const back = events.slice(cancelled).find((e) => e.type === 'OrderParcelReturned' && e.data.reason === 'returned_to_sender');
  return back ? BigInt(back.position) : null;
};
