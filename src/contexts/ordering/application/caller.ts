/** Who asks: customers act on their own orders only; staff and admins on every order. */
export type Caller = { id: string; role: 'customer' | 'staff' | 'admin' };

/** Whether the caller may see (and act on) an order of `customerId`; another customer's order is reported as not found. */
export const mayActOn = (caller: Caller, customerId: string): boolean => caller.role !== 'customer' || caller.id === customerId;
