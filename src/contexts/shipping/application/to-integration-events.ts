import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage, type IntegrationTranslator } from '../../../platform/messaging/message-bus';
import {
  ShippingMessages,
  type ShipmentDeliveredV1,
  type ShipmentDispatchedV1,
  type ShipmentInTransitV1,
  type ShipmentInterceptionFailedV1,
  type ShipmentReturnedV1,
} from '../contracts';
import type { ShipmentEvent } from '../domain/shipment';

/** shipping's domain events → its public wire messages. The address and carrier exceptions stay inside. */
export const toIntegrationEvent: IntegrationTranslator = (recorded: RecordedEvent): IntegrationMessage | null => {
  if (!recorded.stream.startsWith('shipping.shipment-')) return null;
  const event = recorded as RecordedEvent<ShipmentEvent>;
  switch (event.type) {
    case 'ShipmentDispatched': {
      const { shipmentId, orderId, carrier, trackingNumber, dispatchedAt } = event.data;
      return messageFrom<ShipmentDispatchedV1>(event, ShippingMessages.shipmentDispatched, {
        shipmentId,
        orderId,
        carrier,
        trackingNumber,
        dispatchedAt,
      });
    }
    case 'ShipmentInTransit': {
      const { shipmentId, orderId, trackingNumber, occurredAt } = event.data;
      return messageFrom<ShipmentInTransitV1>(event, ShippingMessages.shipmentInTransit, {
        shipmentId,
        orderId,
        trackingNumber,
        occurredAt,
      });
    }
    case 'ShipmentDelivered': {
      const { shipmentId, orderId, trackingNumber, deliveredAt } = event.data;
      return messageFrom<ShipmentDeliveredV1>(event, ShippingMessages.shipmentDelivered, {
        shipmentId,
        orderId,
        trackingNumber,
        deliveredAt,
      });
    }
    case 'ShipmentInterceptionFailed': {
      const { shipmentId, orderId, trackingNumber, deliveredAt } = event.data;
      return messageFrom<ShipmentInterceptionFailedV1>(event, ShippingMessages.shipmentInterceptionFailed, {
        shipmentId,
        orderId,
        trackingNumber,
        deliveredAt,
      });
    }
    case 'ShipmentIntercepted':
    case 'ShipmentReturnedToSender': {
      const { shipmentId, orderId, trackingNumber, occurredAt } = event.data;
      const reason = event.type === 'ShipmentIntercepted' ? 'intercepted' : 'returned_to_sender';
      return messageFrom<ShipmentReturnedV1>(event, ShippingMessages.shipmentReturned, {
        shipmentId,
        orderId,
        trackingNumber,
        reason,
        occurredAt,
      });
    }
    default:
      return null;
  }
};
