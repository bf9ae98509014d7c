/**
 * The order's life: placed → confirmed (paid) → dispatching (being handed to a carrier) → shipped → delivered, or
 * cancelled; refunded once everything captured has gone back to the customer. Goods that left (or are leaving) are
 * returned, not cancelled: a shipped order is cancelled only when its parcel comes back. The table below is the state
 * machine: the statuses each step may start from.
 */
export const ORDER_STATUSES = ['placed', 'confirmed', 'dispatching', 'shipped', 'delivered', 'cancelled', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const STEPS = {
  /** the checkout completed: the money is captured and the stock committed */
  confirm: ['placed'],
  /** the checkout failed (or was cancelled) and compensated */
  failCheckout: ['placed'],
  /** a placed order is cancelled by ending its checkout; a confirmed one directly, with a refund */
  cancelByCustomer: ['placed', 'confirmed'],
  /** a shipped one only once the carrier reported its parcel intercepted or returned to sender (`cancel` checks) */
  cancelByStaff: ['placed', 'confirmed', 'shipped'],
  /** staff hand a paid order to a carrier: it is dispatching until shipping answers */
  dispatch: ['confirmed'],
  /** the carrier has the parcel (a confirmed order too: shipping's record of a parcel the order never heard back about) */
  ship: ['confirmed', 'dispatching'],
  deliver: ['shipped'],
  /** the carrier stopped the parcel or brought it back: the goods will not reach the customer */
  recordParcelReturn: ['shipped'],
  /** money can only go back once it was captured, and not after all of it went back */
  refund: ['confirmed', 'dispatching', 'shipped', 'delivered', 'cancelled'],
  requestReturn: ['delivered'],
  /** a return asked for stays approvable when a goodwill refund already paid everything back */
  approveReturn: ['delivered', 'refunded'],
} as const satisfies Record<string, readonly OrderStatus[]>;

export type OrderStep = keyof typeof STEPS;

/** Whether `step` may start from `status`. */
export const may = (step: OrderStep, status: OrderStatus | 'none'): boolean => (STEPS[step] as readonly string[]).includes(status);
