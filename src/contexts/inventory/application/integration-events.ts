import type { RecordedEvent } from '../../../platform/event-store/event-store';
import type { IntegrationMessage } from '../../../platform/messaging/message-bus';
import {
  InventoryMessages,
  type StockLevelChangedV1,
  type StockReleasedV1,
  type StockReservationRejectedV1,
  type StockReservedV1,
} from '../contracts';
import type { ReservationEvent } from '../domain/reservation';
import type { StockEvent } from '../domain/stock';

const message = <D>(event: RecordedEvent, type: string, data: D): IntegrationMessage<D> => ({
  id: event.metadata.eventId,
  type,
  occurredAt: event.metadata.occurredAt,
  correlationId: event.metadata.correlationId,
  causationId: event.metadata.eventId,
  ...(event.metadata.traceparent ? { traceparent: event.metadata.traceparent } : {}),
  data,
});

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
      return message(event, InventoryMessages.stockLevelChanged, data);
    }
    case 'StockReservationConfirmed':
      return message<StockReservedV1>(event, InventoryMessages.stockReserved, { orderId: event.data.orderId, lines: event.data.lines });
    case 'StockReservationRejected':
      return message<StockReservationRejectedV1>(event, InventoryMessages.stockReservationRejected, { ...event.data });
    case 'StockReservationReleased':
      return message<StockReleasedV1>(event, InventoryMessages.stockReleased, { orderId: event.data.orderId, lines: event.data.lines });
    default:
      return null;
  }
};
