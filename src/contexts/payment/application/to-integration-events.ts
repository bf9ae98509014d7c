import type { RecordedEvent } from '../../../platform/event-store/event-store';
import type { IntegrationMessage, IntegrationTranslator } from '../../../platform/messaging/message-bus';
import {
  PaymentMessages,
  type PaymentAuthorizedV1,
  type PaymentCapturedV1,
  type PaymentDeclinedV1,
  type PaymentFailedV1,
  type PaymentRefundedV1,
  type PaymentVoidedV1,
} from '../contracts';
import type { PaymentEvent } from '../domain/payment';

const message = <D>(event: RecordedEvent, type: string, data: D): IntegrationMessage<D> => ({
  id: event.metadata.eventId,
  type,
  occurredAt: event.metadata.occurredAt,
  correlationId: event.metadata.correlationId,
  causationId: event.metadata.eventId,
  ...(event.metadata.traceparent ? { traceparent: event.metadata.traceparent } : {}),
  data,
});

/** payment's domain events → its public wire messages. The provider reference stays inside. */
export const toIntegrationEvent: IntegrationTranslator = (recorded: RecordedEvent): IntegrationMessage | null => {
  if (!recorded.stream.startsWith('payment.')) return null;
  const event = recorded as RecordedEvent<PaymentEvent>;
  const { orderId } = event.data;
  switch (event.type) {
    case 'PaymentAuthorized':
      return message<PaymentAuthorizedV1>(event, PaymentMessages.paymentAuthorized, { orderId, amount: event.data.amount });
    case 'PaymentDeclined':
      return message<PaymentDeclinedV1>(event, PaymentMessages.paymentDeclined, { orderId, reason: event.data.reason });
    case 'PaymentFailed':
      return message<PaymentFailedV1>(event, PaymentMessages.paymentFailed, {
        orderId,
        reason: event.data.reason,
        operation: event.data.operation,
      });
    case 'PaymentCaptured':
      return message<PaymentCapturedV1>(event, PaymentMessages.paymentCaptured, { orderId, amount: event.data.amount });
    case 'PaymentVoided':
      return message<PaymentVoidedV1>(event, PaymentMessages.paymentVoided, { orderId });
    case 'PaymentRefunded':
      return message<PaymentRefundedV1>(event, PaymentMessages.paymentRefunded, { orderId, amount: event.data.amount });
    default:
      return null;
  }
};
