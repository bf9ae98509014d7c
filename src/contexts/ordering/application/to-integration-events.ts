import type { RecordedEvent } from '../../../platform/event-store/event-store';
import type { IntegrationMessage, IntegrationTranslator } from '../../../platform/messaging/message-bus';
import { InventoryMessages, type ReleaseStockV1, type ReserveStockV1 } from '../../inventory/contracts';
import {
  PaymentMessages,
  type AuthorizePaymentV1,
  type CapturePaymentV1,
  type RefundPaymentV1,
  type VoidPaymentV1,
} from '../../payment/contracts';
import { OrderingMessages, type OrderCancelledV1, type OrderConfirmedV1, type OrderPlacedV1 } from '../contracts';
import type { CheckoutEvent } from '../domain/checkout';
import type { OrderEvent } from '../domain/order';

const message = <D>(event: RecordedEvent, type: string, data: D): IntegrationMessage<D> => ({
  id: event.metadata.eventId,
  type,
  occurredAt: event.metadata.occurredAt,
  correlationId: event.metadata.correlationId,
  causationId: event.metadata.eventId,
  ...(event.metadata.traceparent ? { traceparent: event.metadata.traceparent } : {}),
  data,
});

/**
 * ordering's domain events → its public wire messages, and the checkout's "…Requested" events → the commands they
 * ask of inventory and payment. The payment token leaves only inside `payment.authorize-payment.v1`.
 */
export const toIntegrationEvent: IntegrationTranslator = (recorded: RecordedEvent): IntegrationMessage | null => {
  if (!recorded.stream.startsWith('ordering.')) return null;
  const event = recorded as RecordedEvent<OrderEvent | CheckoutEvent>;
  switch (event.type) {
    case 'OrderPlaced': {
      const { orderId, customerId, cartId, lines, total } = event.data;
      return message<OrderPlacedV1>(event, OrderingMessages.orderPlaced, { orderId, customerId, cartId, lines, total });
    }
    case 'OrderConfirmed': {
      const { orderId, customerId, total } = event.data;
      return message<OrderConfirmedV1>(event, OrderingMessages.orderConfirmed, { orderId, customerId, total });
    }
    case 'OrderCancelled': {
      const { orderId, customerId, reason } = event.data;
      return message<OrderCancelledV1>(event, OrderingMessages.orderCancelled, { orderId, customerId, reason });
    }
    case 'StockReservationRequested':
      return message<ReserveStockV1>(event, InventoryMessages.reserveStock, { orderId: event.data.orderId, lines: event.data.lines });
    case 'StockReleaseRequested':
      return message<ReleaseStockV1>(event, InventoryMessages.releaseStock, { orderId: event.data.orderId });
    case 'PaymentAuthorizationRequested': {
      const { orderId, amount, paymentToken } = event.data;
      return message<AuthorizePaymentV1>(event, PaymentMessages.authorizePayment, { orderId, amount, paymentToken });
    }
    case 'PaymentCaptureRequested':
      return message<CapturePaymentV1>(event, PaymentMessages.capturePayment, { orderId: event.data.orderId, amount: event.data.amount });
    case 'PaymentVoidRequested':
      return message<VoidPaymentV1>(event, PaymentMessages.voidPayment, { orderId: event.data.orderId });
    case 'PaymentRefundRequested':
      return message<RefundPaymentV1>(event, PaymentMessages.refundPayment, { orderId: event.data.orderId, amount: event.data.amount });
    default:
      return null;
  }
};
