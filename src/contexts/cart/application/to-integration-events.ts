import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage, type IntegrationTranslator } from '../../../platform/messaging/message-bus';
import { CartMessages, type CartStartedV1 } from '../contracts';
import type { CartEvent } from '../domain/cart';
import { cartIdOf } from './carts.projection';

/** Cart's switch from domain events to its public wire messages: only a cart's start leaves the context. */
export const toIntegrationEvent: IntegrationTranslator = (recorded: RecordedEvent): IntegrationMessage | null => {
  const cartId = cartIdOf(recorded.stream);
  if (cartId === undefined) return null;
  const event = recorded as RecordedEvent<CartEvent>;
  if (event.type !== 'CartStarted') return null;
  const owner = event.data;
  return messageFrom<CartStartedV1>(event, CartMessages.cartStarted, {
    cartId,
    ...(owner.guest ? {} : { customerId: owner.customerId }),
    guest: owner.guest,
    startedAt: event.metadata.occurredAt,
  });
};
