import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage, type IntegrationTranslator } from '../../../platform/messaging/message-bus';
import {
  PaymentMessages,
  type PaymentAuthorizedV1,
  type PaymentCapturedV1,
  type PaymentDeclinedV1,
  type PaymentFailedV1,
  type PaymentRefundedV1,
  type PaymentVoidedV1,
  type RefundRejectedV1,
} from '../contracts';
import type { PaymentEvent } from '../domain/payment';

/** payment's domain events → its public wire messages. The provider reference stays inside. */
export const toIntegrationEvent: IntegrationTranslator = (recorded: RecordedEvent): IntegrationMessage | null => {
  if (!recorded.stream.startsWith('payment.')) return null;
  const event = recorded as RecordedEvent<PaymentEvent>;
  const { orderId } = event.data;
  switch (event.type) {
    case 'PaymentAuthorized':
      return messageFrom<PaymentAuthorizedV1>(event, PaymentMessages.paymentAuthorized, { orderId, amount: event.data.amount });
    case 'PaymentDeclined':
      return messageFrom<PaymentDeclinedV1>(event, PaymentMessages.paymentDeclined, { orderId, reason: event.data.reason });
    case 'PaymentFailed':
      return messageFrom<PaymentFailedV1>(event, PaymentMessages.paymentFailed, {
        orderId,
        reason: event.data.reason,
        operation: event.data.operation,
      });
    case 'PaymentCaptured':
      return messageFrom<PaymentCapturedV1>(event, PaymentMessages.paymentCaptured, { orderId, amount: event.data.amount });
    case 'PaymentVoided':
      return messageFrom<PaymentVoidedV1>(event, PaymentMessages.paymentVoided, { orderId });
    case 'PaymentRefunded': {
      const { amount, refundId, totalRefunded } = event.data;
      return messageFrom<PaymentRefundedV1>(event, PaymentMessages.paymentRefunded, {
        orderId,
        amount,
        ...(refundId !== undefined && { refundId }),
        ...(totalRefunded !== undefined && { totalRefunded }),
      });
    }
    case 'PaymentRefundRejected': {
      const { amount, refundId, reason } = event.data;
      return messageFrom<RefundRejectedV1>(event, PaymentMessages.refundRejected, { orderId, amount, refundId, reason });
    }
    default:
      return null;
  }
};
