import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, appendedNow } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { isUuid } from '../../../shared-kernel/ids';
import { hide, reviewStream, ReviewNotFound, type Review } from '../domain/review';
import { recalculateRating } from './product-ratings';
import { getReview, type ReviewView } from './reviews.queries';

/** Staff moderation: the review leaves the product page and the rating; hiding again changes nothing. */
@Injectable()
export class HideReviewHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
  ) {}

  async execute(cmd: { reviewId: string; reason?: string }, meta: CommandMeta): Promise<ReviewView> {
    if (!isUuid(cmd.reviewId)) throw new ReviewNotFound(cmd.reviewId);
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        product_id: string;
        customer_id: string;
        rating: number;
        body: string;
        hidden: boolean;
      }>('select id, product_id, customer_id, rating, body, hidden from reviews.reviews where id = $1 for update', [cmd.reviewId]);
      if (!rows[0]) throw new ReviewNotFound(cmd.reviewId);
      const r = rows[0];
      const review: Review = {
        id: r.id,
        productId: r.product_id,
        customerId: r.customer_id,
        rating: r.rating,
        text: r.body,
        hidden: r.hidden,
      };
      const events = hide(review, { reason: cmd.reason, now: meta.now });
      if (events.length > 0) {
        await tx.query('update reviews.reviews set hidden = true, hidden_reason = $2 where id = $1', [review.id, cmd.reason ?? null]);
        appendedNow(await this.events.append(reviewStream(review.id), events, { expectedVersion: 'any', meta, tx }));
        await recalculateRating(tx, this.events, { productId: review.productId, rating: review.rating, delta: -1 }, meta);
      }
      return (await getReview(tx, review.id))!;
    });
  }
}
