import type { Sql } from '../../../platform/persistence/database';
import { InvalidInput } from '../../../shared-kernel/errors';
import { ratingOf, type Review } from '../domain/review';

export type ReviewView = {
  id: string;
  productId: string;
  rating: number;
  text: string;
  /** the reviewer's first name: enough to tell reviews apart, not enough to identify a customer */
  author: string;
  verifiedPurchase: true;
  hidden: boolean;
  createdAt: string;
};
export type ReviewPage = { items: ReviewView[]; rating: { average: number; count: number }; nextCursor: string | null };

type Row = { id: string; product_id: string; rating: number; body: string; hidden: boolean; created_at: Date; name: string | null };

const SELECT = `select r.id, r.product_id, r.rating, r.body, r.hidden, r.created_at, w.name
                  from reviews.reviews r left join reviews.reviewers w on w.customer_id = r.customer_id`;

const toView = (row: Row): ReviewView => ({
  id: row.id,
  productId: row.product_id,
  rating: row.rating,
  text: row.body,
  author: row.name?.trim().split(/\s+/)[0] || 'Customer',
  verifiedPurchase: true,
  hidden: row.hidden,
  createdAt: row.created_at.toISOString(),
});

export const getReview = async (db: Sql, id: string): Promise<ReviewView | null> => {
  const { rows } = await db.query<Row>(`${SELECT} where r.id = $1`, [id]);
  return rows[0] ? toView(rows[0]) : null;
};

export const findOwnReview = async (db: Sql, customerId: string, productId: string): Promise<Review | null> => {
  const { rows } = await db.query<{ id: string; rating: number; body: string; hidden: boolean }>(
    'select id, rating, body, hidden from reviews.reviews where customer_id = $1 and product_id = $2',
    [customerId, productId],
  );
  const r = rows[0];
  return r ? { id: r.id, productId, customerId, rating: r.rating, text: r.body, hidden: r.hidden } : null;
};

const encodeCursor = (row: Row): string => Buffer.from(`${row.created_at.toISOString()}|${row.id}`).toString('base64url');
const decodeCursor = (cursor: string): [string, string] => {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new InvalidInput('reviews.invalid_cursor', 'the cursor is not one this API returned');
  }
  return [at, id];
};

/** A product's visible reviews, newest first, with its rating (keyset pages). */
export const findProductReviews = async (db: Sql, productId: string, page: { limit: number; cursor?: string }): Promise<ReviewPage> => {
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  const { rows } = await db.query<Row>(
    `${SELECT} where r.product_id = $1 and not r.hidden and ($2::timestamptz is null or (r.created_at, r.id) < ($2, $3::uuid))
      order by r.created_at desc, r.id desc limit $4`,
    [productId, after?.[0] ?? null, after?.[1] ?? null, page.limit + 1],
  );
  const { rows: rating } = await db.query<{ count: number; sum: number }>(
    'select count, sum from reviews.product_ratings where product_id = $1',
    [productId],
  );
  const count = rating[0]?.count ?? 0;
  const items = rows.slice(0, page.limit);
  return {
    items: items.map(toView),
    rating: ratingOf(count, rating[0]?.sum ?? 0),
    nextCursor: rows.length > page.limit ? encodeCursor(items[items.length - 1]) : null,
  };
};
