/** Reviews' public contract: the integration events it publishes. Consumers must tolerate extra fields. */

export const ReviewMessages = {
  /** A product's visible reviews changed (one added, one hidden): its rating now. */
  productRatingChanged: 'reviews.product-rating-changed.v1',
} as const;

/** `average` is rounded to two decimals; 0 with `count` 0 when no visible review is left. `version` grows per product. */
export type ProductRatingChangedV1 = { productId: string; average: number; count: number; version: number };
