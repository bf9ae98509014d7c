/**
 * Inventory's public contract: the integration events it publishes and the commands it accepts on the bus.
 * Wire names are versioned; consumers must tolerate extra fields.
 */

export const InventoryMessages = {
  stockReserved: 'inventory.stock-reserved.v1',
  stockReservationRejected: 'inventory.stock-reservation-rejected.v1',
  stockReleased: 'inventory.stock-released.v1',
  stockLevelChanged: 'inventory.stock-level-changed.v1',
  lowStock: 'inventory.low-stock.v1',
  stockShortfall: 'inventory.stock-shortfall.v1',
  reserveStock: 'inventory.reserve-stock.v1',
  releaseStock: 'inventory.release-stock.v1',
} as const;

export type StockLineV1 = { sku: string; quantity: number };

/** Every line of the order is held (all or nothing). */
export type StockReservedV1 = { orderId: string; lines: StockLineV1[] };

/** Nothing is held for the order; `sku` is the first line that could not be served. */
export type StockReservationRejectedV1 = {
  orderId: string;
  reason: 'insufficient_stock' | 'sku_not_stocked';
  sku: string;
  requested: number;
  available: number;
};

/**
 * Whatever the order held is available again (`lines` is empty when nothing had been reserved). `reason` (added
 * later, absent on older messages): `requested` (release-stock), `expired` (held longer than the reservation TTL
 * without the order being confirmed), `order_cancelled`; more may be added, treat unknown ones as opaque.
 */
export type StockReleasedV1 = { orderId: string; lines: StockLineV1[]; reason?: 'requested' | 'expired' | 'order_cancelled' };

/** The levels of one SKU after a change; `version` grows with every change, so consumers can drop stale copies. */
export type StockLevelChangedV1 = { sku: string; onHand: number; reserved: number; available: number; version: number };

/**
 * A SKU's available quantity fell below the low-stock threshold (`available < threshold`). Published once per
 * crossing: again only after available went back to or above the threshold.
 */
export type LowStockV1 = { sku: string; available: number; threshold: number };

/**
 * An order was confirmed after its hold had expired and its stock could no longer be taken again: `sku` is the first
 * line short (`requested` wanted, `available` there). Nothing was taken for the order; staff restock or cancel it.
 */
export type StockShortfallV1 = { orderId: string; lines: StockLineV1[]; sku: string; requested: number; available: number };

/** Command: hold every line for the order, or none. Answered by stock-reserved or stock-reservation-rejected. */
export type ReserveStockV1 = { orderId: string; lines: StockLineV1[] };

/** Command: give back what the order holds. Answered by stock-released (also when nothing was held). */
export type ReleaseStockV1 = { orderId: string };
