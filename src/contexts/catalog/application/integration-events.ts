import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { messageFrom, type IntegrationMessage } from '../../../platform/messaging/message-bus';
import {
  CatalogMessages,
  type ProductCreatedV1,
  type ProductPublishedV1,
  type ProductRenamedV1,
  type ProductRepricedV1,
  type ProductUnpublishedV1,
  type VariantAddedV1,
} from '../contracts';
import { type ProductEvent, variantName } from '../domain/product';

/**
 * Catalog's switch from domain events to its public wire messages; descriptions, moves, images, weights and
 * categories stay inside (others read them through the API or the ProductCatalog facade).
 */
export const toIntegrationEvent = (recorded: RecordedEvent): IntegrationMessage | null => {
  if (!recorded.stream.startsWith('catalog.')) return null;
  const event = recorded as RecordedEvent<ProductEvent>;
  switch (event.type) {
    case 'ProductCreated': {
      const { productId, name, description, category, options, variants, published } = event.data;
      return messageFrom<ProductCreatedV1>(event, CatalogMessages.productCreated, {
        productId,
        sku: variants[0].sku,
        name,
        description,
        category,
        price: variants[0].price,
        variants: variants.map(({ sku, price, weightGrams, options: values }) => ({
          sku,
          name: variantName(name, options, { options: values }),
          price,
          weightGrams,
          options: values,
        })),
        published,
      });
    }
    case 'ProductRepriced': {
      const { productId, sku, price, previousPrice } = event.data;
      return messageFrom<ProductRepricedV1>(event, CatalogMessages.productRepriced, { productId, sku, price, previousPrice });
    }
    case 'ProductRenamed': {
      const { productId, name } = event.data;
      return messageFrom<ProductRenamedV1>(event, CatalogMessages.productRenamed, { productId, name });
    }
    case 'VariantAdded': {
      const { productId, variant } = event.data;
      return messageFrom<VariantAddedV1>(event, CatalogMessages.variantAdded, { productId, ...variant });
    }
    case 'ProductPublished':
      return messageFrom<ProductPublishedV1>(event, CatalogMessages.productPublished, event.data);
    case 'ProductUnpublished':
      return messageFrom<ProductUnpublishedV1>(event, CatalogMessages.productUnpublished, event.data);
    default:
      return null;
  }
};
