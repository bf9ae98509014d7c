import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage } from '../../../platform/messaging/message-bus';
import { PaymentMessages, type RefundPaymentV1 } from '../../payment/contracts';
import {
  OrderingMessages,
  type OrderDeliveredV1,
  type OrderParcelReturnedV1,
  type OrderRefundedV1,
  type OrderShippedV1,
  type ReturnApprovedV1,
  type ReturnRequestedV1,
} from '../contracts';
import type { OrderLifecycleEvent } from '../domain/order-lifecycle.events';

/**
 * The order's life after the checkout on the wire: its public events, and each refund it asks for as the
 * `payment.refund-payment.v1` command (named by its refund id, so payment refunds it once).
 */
export const toLifecycleMessage = (recorded: RecordedEvent): IntegrationMessage | null => {
  if (!recorded.stream.startsWith('ordering.order-')) return null;
  const event = recorded as RecordedEvent<OrderLifecycleEvent>;
  switch (event.type) {
    case 'OrderShipped': {
      const { orderId, customerId, carrier, trackingNumber, shippedAt } = event.data;
      return messageFrom<OrderShippedV1>(event, OrderingMessages.orderShipped, { orderId, customerId, carrier, trackingNumber, shippedAt });
    }
    case 'OrderDelivered': {
      const { orderId, customerId, lines, deliveredAt } = event.data;
      return messageFrom<OrderDeliveredV1>(event, OrderingMessages.orderDelivered, { orderId, customerId, lines, deliveredAt });
    }
    case 'OrderParcelReturned': {
      const { orderId, customerId, reason, orderCancelled, reportedAt } = event.data;
      return messageFrom<OrderParcelReturnedV1>(event, OrderingMessages.orderParcelReturned, {
        orderId,
        customerId,
        reason,
        orderCancelled: orderCancelled ?? false,
        reportedAt,
      });
    }
    case 'RefundRequested': {
      const { orderId, amount, refundId } = event.data;
      return messageFrom<RefundPaymentV1>(event, PaymentMessages.refundPayment, { orderId, amount, refundId });
    }
    case 'OrderRefunded': {
      const { orderId, customerId, refundId, amount, totalRefunded, reason } = event.data;
      return messageFrom<OrderRefundedV1>(event, OrderingMessages.orderRefunded, {
        orderId,
        customerId,
        refundId,
        amount,
        totalRefunded,
        reason,
      });
    }
    case 'ReturnRequested': {
      const { returnId, orderId, customerId, lines } = event.data;
      return messageFrom<ReturnRequestedV1>(event, OrderingMessages.returnRequested, { returnId, orderId, customerId, lines });
    }
    case 'ReturnApproved': {
      const { returnId, orderId, customerId, lines, refund } = event.data;
      return messageFrom<ReturnApprovedV1>(event, OrderingMessages.returnApproved, { returnId, orderId, customerId, lines, refund });
    }
    default:
      return null;
  }
};
