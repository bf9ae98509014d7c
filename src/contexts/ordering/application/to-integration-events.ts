import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage, type IntegrationTranslator } from '../../../platform/messaging/message-bus';
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
import { toLifecycleMessage } from './order-lifecycle.integration-events';

/**
 * ordering's domain events → its public wire messages, and the checkout's "…Requested" events → the commands they
 * ask of inventory and payment. The payment token leaves only inside `payment.authorize-payment.v1`.
 */
export const toIntegrationEvent: IntegrationTranslator = (recorded: RecordedEvent): IntegrationMessage | null => {
  if (!recorded.stream.startsWith('ordering.')) return null;
  const event = recorded as RecordedEvent<OrderEvent | CheckoutEvent>;
  switch (event.type) {
    case 'OrderPlaced': {
      const { orderId, customerId, cartId, lines, charges, couponCode, shippingMethod, shippingAddress, total } = event.data;
      return messageFrom<OrderPlacedV1>(event, OrderingMessages.orderPlaced, {
        orderId,
        customerId,
        cartId,
        lines,
        charges,
        ...(couponCode !== undefined ? { couponCode } : {}),
        ...(shippingMethod !== undefined ? { shippingMethod } : {}),
        shippingAddress,
        total,
      });
    }
    case 'OrderConfirmed': {
      const { orderId, customerId, total, lines } = event.data;
      return messageFrom<OrderConfirmedV1>(event, OrderingMessages.orderConfirmed, {
        orderId,
        customerId,
        total,
        ...(lines ? { lines } : {}),
      });
    }
    case 'OrderCancelled': {
      const { orderId, customerId, reason, wasConfirmed, goodsWithCarrier, lines } = event.data;
      return messageFrom<OrderCancelledV1>(event, OrderingMessages.orderCancelled, {
        orderId,
        customerId,
        reason,
        wasConfirmed: wasConfirmed ?? false,
        goodsWithCarrier: goodsWithCarrier ?? false,
        ...(lines ? { lines } : {}),
      });
    }
    case 'CheckoutStarted':
      // the start asks for the stock itself; an older start had a StockReservationRequested after it
      if (!event.data.requestsStock) return null;
      return messageFrom<ReserveStockV1>(event, InventoryMessages.reserveStock, { orderId: event.data.orderId, lines: event.data.lines });
    case 'StockReservationRequested':
      return messageFrom<ReserveStockV1>(event, InventoryMessages.reserveStock, { orderId: event.data.orderId, lines: event.data.lines });
    case 'StockReleaseRequested':
      return messageFrom<ReleaseStockV1>(event, InventoryMessages.releaseStock, { orderId: event.data.orderId });
    case 'PaymentAuthorizationRequested': {
      const { orderId, amount, paymentToken, capture } = event.data;
      return messageFrom<AuthorizePaymentV1>(event, PaymentMessages.authorizePayment, {
        orderId,
        amount,
        paymentToken,
        ...(capture !== undefined && { capture }),
      });
    }
    case 'PaymentCaptureRequested':
      return messageFrom<CapturePaymentV1>(event, PaymentMessages.capturePayment, {
        orderId: event.data.orderId,
        amount: event.data.amount,
      });
    case 'PaymentVoidRequested':
      return messageFrom<VoidPaymentV1>(event, PaymentMessages.voidPayment, { orderId: event.data.orderId });
    case 'PaymentRefundRequested':
      return messageFrom<RefundPaymentV1>(event, PaymentMessages.refundPayment, { orderId: event.data.orderId, amount: event.data.amount });
    default:
      return toLifecycleMessage(recorded);
  }
};
