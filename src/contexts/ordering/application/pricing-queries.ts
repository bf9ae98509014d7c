import type { Sql } from '../../../platform/persistence/database';
import type { Coupon, TaxRate } from '../domain/pricing';

/** Tax rates and coupons, as checkout reads them and as the admin API shows them. */

export type TaxRateView = TaxRate & { updatedAt: string };
export type CouponView = Coupon & { createdAt: string };

type TaxRateRow = { country: string; rate_bps: number; name: string; updated_at: Date };
type CouponRow = {
  code: string;
  type: Coupon['type'];
  value: string;
  currency: string | null;
  min_order: string | null;
  min_order_currency: string | null;
  expires_at: Date | null;
  usage_limit: number | null;
  used: number;
  created_at: Date;
};

const toTaxRate = (row: TaxRateRow): TaxRateView => ({
  country: row.country,
  rateBps: row.rate_bps,
  name: row.name,
  updatedAt: row.updated_at.toISOString(),
});

const toCoupon = (row: CouponRow): CouponView => ({
  code: row.code,
  ...(row.type === 'fixed'
    ? { type: 'fixed', value: Number(row.value), currency: row.currency! }
    : { type: 'percentage', value: Number(row.value) }),
  ...(row.min_order !== null ? { minOrder: { amount: Number(row.min_order), currency: row.min_order_currency! } } : {}),
  ...(row.expires_at ? { expiresAt: row.expires_at.toISOString() } : {}),
  ...(row.usage_limit !== null ? { usageLimit: row.usage_limit } : {}),
  used: row.used,
  createdAt: row.created_at.toISOString(),
});

export const getTaxRate = async (db: Sql, country: string): Promise<TaxRateView | undefined> => {
  const { rows } = await db.query<TaxRateRow>('select country, rate_bps, name, updated_at from ordering.tax_rates where country = $1', [
    country,
  ]);
  return rows[0] && toTaxRate(rows[0]);
};

/** Every country's rate, by country (one row per country: at most ~250). */
export const findTaxRates = async (db: Sql): Promise<TaxRateView[]> =>
  (await db.query<TaxRateRow>('select country, rate_bps, name, updated_at from ordering.tax_rates order by country')).rows.map(toTaxRate);

const COUPON_COLUMNS = 'code, type, value, currency, min_order, min_order_currency, expires_at, usage_limit, used, created_at';

export const getCoupon = async (db: Sql, code: string): Promise<CouponView | undefined> => {
  const { rows } = await db.query<CouponRow>(`select ${COUPON_COLUMNS} from ordering.coupons where code = $1`, [code]);
  return rows[0] && toCoupon(rows[0]);
};

/** Coupons, newest first, keyset-paginated on (created_at, code). */
export const findCoupons = async (
  db: Sql,
  page: { limit: number; after?: { createdAt: string; code: string } },
): Promise<{ items: CouponView[]; next?: { createdAt: string; code: string } }> => {
  const params: unknown[] = [page.limit + 1];
  const after = page.after ? 'where (created_at, code) < ($2, $3)' : '';
  if (page.after) params.push(page.after.createdAt, page.after.code);
  const { rows } = await db.query<CouponRow>(
    `select ${COUPON_COLUMNS} from ordering.coupons ${after} order by created_at desc, code desc limit $1`,
    params,
  );
  const items = rows.slice(0, page.limit).map(toCoupon);
  const last = items[items.length - 1];
  return { items, ...(rows.length > page.limit ? { next: { createdAt: last.createdAt, code: last.code } } : {}) };
};
