import type { Upcaster } from '../../../platform/event-store/event-store';

/**
 * OrderPlaced before checkout pricing (schema version 1): no charges, no coupon, no shipping method; its total was
 * the goods alone. Version 2 adds `charges` (shipping, discount, tax), `couponCode` and `shippingMethod`.
 */
export const orderPlacedV1Upcaster: Upcaster = {
  type: 'OrderPlaced',
  fromVersion: 1,
  upcast: (data) => ({ ...data, charges: Array.isArray(data.charges) ? data.charges : [] }),
};
