import { Conflict, Forbidden, InvalidInput, NotFound } from '../../../shared-kernel/errors';
import { canonicalText, hasForbiddenCharacter, textProblemMessage } from '../../../shared-kernel/text';

/**
 * A verified-purchase review (state in `reviews.reviews`, events on `reviews.review-<id>`), and the product's rating
 * (`reviews.product-<productId>`), recalculated with every visible change so the catalog can show it.
 */
export type Review = { id: string; productId: string; customerId: string; rating: number; text: string; hidden: boolean };

export type ReviewPosted = {
  type: 'ReviewPosted';
  data: { reviewId: string; productId: string; customerId: string; orderId: string; rating: number; text: string; postedAt: string };
};
export type ReviewHidden = { type: 'ReviewHidden'; data: { reviewId: string; productId: string; reason: string | null; hiddenAt: string } };
export type ProductRatingRecalculated = {
  type: 'ProductRatingRecalculated';
  data: { productId: string; average: number; count: number };
};
export type ReviewEvent = ReviewPosted | ReviewHidden;

export const reviewStream = (reviewId: string): string => `reviews.review-${reviewId}`;
export const productRatingStream = (productId: string): string => `reviews.product-${productId}`;

export const RATING_MIN = 1;
export const RATING_MAX = 5;
export const TEXT_MIN = 10;
export const TEXT_MAX = 2000;
const TEXT_RULE = { kind: 'multiline', min: TEXT_MIN, max: TEXT_MAX } as const;

export class PurchaseRequired extends Forbidden {
  constructor(productId: string) {
    super('reviews.purchase_required', 'only customers who received this product in a delivered order may review it', { productId });
  }
}
export class AlreadyReviewed extends Conflict {
  constructor(productId: string) {
    super('reviews.already_reviewed', 'you have reviewed this product already', { productId });
  }
}
export class ReviewNotFound extends NotFound {
  constructor(reviewId: string) {
    super('reviews.review_not_found', 'no review has this id', { reviewId });
  }
}

/** Posts a review: one per customer and product, only with a delivered order that contained the product. */
export const post = (
  existing: Review | null,
  cmd: {
    reviewId: string;
    productId: string;
    customerId: string;
    deliveredOrderId: string | null;
    rating: number;
    text: string;
    now: Date;
  },
): ReviewPosted => {
  if (!cmd.deliveredOrderId) throw new PurchaseRequired(cmd.productId);
  if (existing) throw new AlreadyReviewed(cmd.productId);
  if (!Number.isInteger(cmd.rating) || cmd.rating < RATING_MIN || cmd.rating > RATING_MAX) {
    throw new InvalidInput('reviews.invalid_rating', `a rating is a whole number from ${RATING_MIN} to ${RATING_MAX}`);
  }
  if (hasForbiddenCharacter(cmd.text, 'multiline')) {
    throw new InvalidInput('reviews.invalid_text', `a review text ${textProblemMessage('characters', TEXT_RULE)}`);
  }
  const text = canonicalText(cmd.text, 'multiline').replace(/\s+\n/g, '\n');
  if (text.length < TEXT_MIN || text.length > TEXT_MAX) {
    throw new InvalidInput('reviews.invalid_text', `a review text has ${TEXT_MIN} to ${TEXT_MAX} characters`, { length: text.length });
  }
  return {
    type: 'ReviewPosted',
    data: {
      reviewId: cmd.reviewId,
      productId: cmd.productId,
      customerId: cmd.customerId,
      orderId: cmd.deliveredOrderId,
      rating: cmd.rating,
      text,
      postedAt: cmd.now.toISOString(),
    },
  };
};

/** Hides a review from the product page and the rating; hiding twice changes nothing. */
export const hide = (review: Review, cmd: { reason?: string; now: Date }): ReviewHidden[] =>
  review.hidden
    ? []
    : [
        {
          type: 'ReviewHidden',
          data: { reviewId: review.id, productId: review.productId, reason: cmd.reason ?? null, hiddenAt: cmd.now.toISOString() },
        },
      ];

/** The rating customers see: the mean of visible ratings, two decimals; 0 when there is none. */
export const ratingOf = (count: number, sum: number): { average: number; count: number } => ({
  average: count === 0 ? 0 : Math.round((sum / count) * 100) / 100,
  count,
});
