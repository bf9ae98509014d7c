import { appendedNow, type CommandMeta, type EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { productRatingStream, type ProductRatingRecalculated, ratingOf } from '../domain/review';

/**
 * Moves a product's rating by one visible review (+1 posted, -1 hidden) and records the new rating as an event, in
 * the caller's transaction. The row lock serialises reviews of one product, so versions and sums never race.
 */
export const recalculateRating = async (
  tx: Sql,
  events: EventStore,
  change: { productId: string; rating: number; delta: 1 | -1 },
  meta: CommandMeta,
): Promise<void> => {
  const { rows } = await tx.query<{ count: number; sum: number; version: number }>(
    `insert into reviews.product_ratings (product_id, count, sum, version) values ($1, $2, $3, 1)
     on conflict (product_id) do update set count = reviews.product_ratings.count + excluded.count,
       sum = reviews.product_ratings.sum + excluded.sum, version = reviews.product_ratings.version + 1
     returning count, sum, version`,
    [change.productId, change.delta, change.delta * change.rating],
  );
  const { count, sum, version } = rows[0];
  const recalculated: ProductRatingRecalculated = {
    type: 'ProductRatingRecalculated',
    data: { productId: change.productId, ...ratingOf(count, sum) },
  };
  appendedNow(
    await events.append(productRatingStream(change.productId), [recalculated], {
      expectedVersion: version - 1 === 0 ? 'no_stream' : version - 1,
      meta: { ...meta, commandId: `${meta.commandId}:rating` },
      tx,
    }),
  );
};
