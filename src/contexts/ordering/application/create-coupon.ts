import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, appendedNow } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { Conflict } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';
import { admitCoupon } from '../domain/pricing';
import type { CouponView } from './pricing-queries';

export type CreateCoupon = { code: string; minOrder?: Money; expiresAt?: string; usageLimit?: number } & (
  { type: 'percentage'; value: number } | { type: 'fixed'; value: number; currency: string }
);

export const couponStream = (code: string): string => `ordering.coupon-${code}`;

export class CouponCodeTaken extends Conflict {
  constructor(code: string) {
    super('ordering.coupon_code_taken', 'a coupon with this code exists already', { code });
  }
}

/**
 * An admin creates a coupon; its code is unique and it never changes afterwards (only its use count does). It is
 * valid from now on: one that would be expired already is refused (422 `ordering.coupon_already_expired`).
 */
@Injectable()
export class CreateCouponHandler {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
  ) {}

  execute(cmd: CreateCoupon, meta: CommandMeta): Promise<CouponView> {
    admitCoupon(cmd, meta.now);
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        `insert into ordering.coupons (code, type, value, currency, min_order, min_order_currency, expires_at, usage_limit, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (code) do nothing`,
        [
          cmd.code,
          cmd.type,
          cmd.value,
          cmd.type === 'fixed' ? cmd.currency : null,
          cmd.minOrder?.amount ?? null,
          cmd.minOrder?.currency ?? null,
          cmd.expiresAt ?? null,
          cmd.usageLimit ?? null,
          meta.now,
        ],
      );
      if (inserted.rowCount === 0) throw new CouponCodeTaken(cmd.code);
      const appended = await this.events.append(couponStream(cmd.code), [{ type: 'CouponCreated', data: cmd }], {
        expectedVersion: 'no_stream',
        meta,
        tx,
      });
      // the row must not stay without its event: a repeated command rolls back
      appendedNow(appended);
      return {
        ...cmd,
        ...(cmd.expiresAt ? { expiresAt: new Date(cmd.expiresAt).toISOString() } : {}),
        used: 0,
        createdAt: meta.now.toISOString(),
      };
    });
  }
}
