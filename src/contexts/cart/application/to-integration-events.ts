import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage, type IntegrationTranslator } from '../../../platform/messaging/message-bus';
import { CartMessages, type CartStartedV1 } from '../contracts';
import type { CartEvent } from '../domain/cart';
import { cartIdOf } from './carts.projection';

/**
 * Cart's switch from domain events to its public wire messages: only a cart's start leaves the context (its first
 * line that starts it, or CartStarted in streams recorded before).
 */
export const toIntegrationEvent: IntegrationTranslator = (recorded: RecordedEvent): IntegrationMessage | null => {
  const cartId = cartIdOf(recorded.stream);
  if (cartId === undefined) return null;
  const event = recorded as RecordedEvent<CartEvent>;
  const owner = event.type === 'CartStarted' ? event.data : event.type === 'CartItemAdded' ? event.data.starts : undefined;
  if (!owner) return null;
  return messageFrom<CartStartedV1>(event, CartMessages.cartStarted, {
    cartId,
    ...(owner.guest ? {} : { customerId: owner.customerId }),
    guest: owner.guest,
    startedAt: event.metadata.occurredAt,
  });
};
