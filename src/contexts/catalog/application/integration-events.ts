import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage } from '../../../platform/messaging/message-bus';
import { CatalogMessages, type ProductCreatedV1, type ProductRepricedV1 } from '../contracts';
import type { ProductEvent } from '../domain/product';

/** Catalog's switch from domain events to its public wire messages; renames, moves and categories stay inside. */
export const toIntegrationEvent = (recorded: RecordedEvent): IntegrationMessage | null => {
  if (!recorded.stream.startsWith('catalog.')) return null;
  const event = recorded as RecordedEvent<ProductEvent>;
  switch (event.type) {
    case 'ProductCreated': {
      const { productId, sku, name, description, category, price } = event.data;
      return messageFrom<ProductCreatedV1>(event, CatalogMessages.productCreated, { productId, sku, name, description, category, price });
    }
    case 'ProductRepriced': {
      const { productId, sku, price, previousPrice } = event.data;
      return messageFrom<ProductRepricedV1>(event, CatalogMessages.productRepriced, { productId, sku, price, previousPrice });
    }
    default:
      return null;
  }
};
