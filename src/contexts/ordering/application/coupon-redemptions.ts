import type { InlineProjection, RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { CouponExhausted } from '../domain/pricing';
import type { OrderCancelled } from '../domain/order';

/**
 * Takes a use of a coupon for an order, inside the transaction that places the order: the conditional update never
 * lets `used` pass `usage_limit`, however many checkouts race for the last use (the losers see no row and roll
 * back everything they wrote). Called only when the order's OrderPlaced was appended now, so a retried checkout
 * (same command id) never takes a second use.
 */
export const redeemCoupon = async (tx: Sql, redemption: { code: string; orderId: string; now: Date }): Promise<void> => {
  const { rowCount } = await tx.query(
    'update ordering.coupons set used = used + 1 where code = $1 and (usage_limit is null or used < usage_limit)',
    [redemption.code],
  );
  if (rowCount === 0) throw new CouponExhausted('this coupon has been used up', { code: redemption.code });
  await tx.query('insert into ordering.coupon_redemptions (order_id, code, redeemed_at) values ($1, $2, $3)', [
    redemption.orderId,
    redemption.code,
    redemption.now,
  ]);
};

/**
 * A cancelled order gives its coupon use back (a failed checkout, or a cancellation by the customer or staff), in the
 * transaction that cancels it. Deleting the redemption row makes it happen once, whatever repeats.
 */
export const couponRedemptionsProjection: InlineProjection = {
  name: 'ordering.coupon-redemptions',
  handles: ['OrderCancelled'],
  async apply(tx: Sql, events: RecordedEvent[]): Promise<void> {
    for (const event of events as RecordedEvent<OrderCancelled>[]) {
      if (!event.stream.startsWith('ordering.order-')) continue;
      await tx.query(
        `with released as (delete from ordering.coupon_redemptions where order_id = $1 returning code)
         update ordering.coupons c set used = c.used - 1 from released r where c.code = r.code`,
        [event.data.orderId],
      );
    }
  },
};
