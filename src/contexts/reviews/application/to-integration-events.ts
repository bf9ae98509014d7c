import { messageFrom, type IntegrationTranslator } from '../../../platform/messaging/message-bus';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { ReviewMessages, type ProductRatingChangedV1 } from '../contracts';
import type { ProductRatingRecalculated } from '../domain/review';

/** Only the rating leaves the context: reviews themselves are read through reviews' own API. */
export const toIntegrationEvent: IntegrationTranslator = (recorded: RecordedEvent) => {
  if (!recorded.stream.startsWith('reviews.product-') || recorded.type !== 'ProductRatingRecalculated') return null;
  const { data } = recorded as RecordedEvent<ProductRatingRecalculated>;
  return messageFrom<ProductRatingChangedV1>(recorded, ReviewMessages.productRatingChanged, { ...data, version: recorded.version });
};
