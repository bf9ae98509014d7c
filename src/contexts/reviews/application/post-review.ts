import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, appendedNow } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';
import { AlreadyReviewed, post, reviewStream } from '../domain/review';
import { recalculateRating } from './product-ratings';
import { findOwnReview, type ReviewView, getReview } from './reviews.queries';

export type PostReview = { productId: string; customerId: string; rating: number; text: string };

/** A customer reviews a product they received; the review, its event and the product's new rating commit together. */
@Injectable()
export class PostReviewHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
  ) {}

  async execute(cmd: PostReview, meta: CommandMeta): Promise<ReviewView> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ order_id: string }>(
        'select order_id from reviews.purchases where customer_id = $1 and product_id = $2 order by delivered_at limit 1',
        [cmd.customerId, cmd.productId],
      );
      const existing = await findOwnReview(tx, cmd.customerId, cmd.productId);
      const posted = post(existing, { ...cmd, reviewId: newId(), deliveredOrderId: rows[0]?.order_id ?? null, now: meta.now });
      const d = posted.data;
      const inserted = await tx.query(
        `insert into reviews.reviews (id, product_id, customer_id, order_id, rating, body, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict (customer_id, product_id) do nothing`,
        [d.reviewId, d.productId, d.customerId, d.orderId, d.rating, d.text, d.postedAt],
      );
      // a concurrent request of the same customer won the unique constraint
      if (inserted.rowCount === 0) throw new AlreadyReviewed(cmd.productId);
      appendedNow(await this.events.append(reviewStream(d.reviewId), [posted], { expectedVersion: 'no_stream', meta, tx }));
      await recalculateRating(tx, this.events, { productId: d.productId, rating: d.rating, delta: 1 }, meta);
      return (await getReview(tx, d.reviewId))!;
    });
  }
}
