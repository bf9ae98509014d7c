import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage } from '../../../platform/messaging/message-bus';
import {
  InventoryMessages,
  type StockLevelChangedV1,
  type StockReleasedV1,
  type StockReservationRejectedV1,
  type StockReservedV1,
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
    case 'StockReleased': {
      const { onHand, reserved } = event.data.level;
      const data: StockLevelChangedV1 = { sku: event.data.sku, onHand, reserved, available: onHand - reserved, version: event.version };
      return messageFrom(event, InventoryMessages.stockLevelChanged, data);
    }
    case 'StockReservationConfirmed':
      return messageFrom<StockReservedV1>(event, InventoryMessages.stockReserved, { orderId: event.data.orderId, lines: event.data.lines });
    case 'StockReservationRejected':
      return messageFrom<StockReservationRejectedV1>(event, InventoryMessages.stockReservationRejected, { ...event.data });
    case 'StockReservationReleased':
      return messageFrom<StockReleasedV1>(event, InventoryMessages.stockReleased, { orderId: event.data.orderId, lines: event.data.lines });
    default:
      return null;
  }
};
