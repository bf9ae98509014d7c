import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage } from '../../../platform/messaging/message-bus';
import {
  InventoryMessages,
  type LowStockV1,
  type StockLevelChangedV1,
  type StockReleasedV1,
  type StockReservationRejectedV1,
  type StockReservedV1,
  type StockShortfallV1,
} from '../contracts';
import type { ReservationEvent } from '../domain/reservation';
import type { StockEvent } from '../domain/stock';

/** Inventory's switch from domain events to its public wire messages; everything else stays inside. */
export const toIntegrationEvent = (recorded: RecordedEvent): IntegrationMessage | null => {
  if (!recorded.stream.startsWith('inventory.')) return null;
  const event = recorded as RecordedEvent<StockEvent | ReservationEvent>;
  switch (event.type) {
    case 'StockLevelSet':
    case 'StockReserved':
    case 'StockReleased':
    case 'StockCommitted':
    case 'CancelledOrderRestocked':
    case 'StockReturned':
    case 'StockRestocked':
    case 'StockAdjusted': {
      const { onHand, reserved } = event.data.level;
      const data: StockLevelChangedV1 = { sku: event.data.sku, onHand, reserved, available: onHand - reserved, version: event.version };
      return messageFrom(event, InventoryMessages.stockLevelChanged, data);
    }
    case 'StockRanLow':
      return messageFrom<LowStockV1>(event, InventoryMessages.lowStock, { ...event.data });
    case 'StockReservationConfirmed':
      return messageFrom<StockReservedV1>(event, InventoryMessages.stockReserved, { orderId: event.data.orderId, lines: event.data.lines });
    case 'StockReservationRejected':
      return messageFrom<StockReservationRejectedV1>(event, InventoryMessages.stockReservationRejected, { ...event.data });
    case 'StockReservationReleased': {
      const { orderId, lines, reason } = event.data;
      return messageFrom<StockReleasedV1>(event, InventoryMessages.stockReleased, { orderId, lines, ...(reason ? { reason } : {}) });
    }
    case 'ConfirmedOrderShortOfStock':
      return messageFrom<StockShortfallV1>(event, InventoryMessages.stockShortfall, { ...event.data });
    default:
      return null;
  }
};
