import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../../../platform/persistence/database';
import { newId } from '../../../shared-kernel/ids';

/** A guest cart lives this long after its last change; an expired token answers like an unknown one. */
export const GUEST_CART_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** 256 random bits, base64url: what `X-Cart-Token` carries. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The stored form of a token (`cart.guest_carts.token_hash`); undefined for a malformed token. */
export const hashCartToken = (token: string): string | undefined =>
  TOKEN.test(token) ? createHash('sha256').update(token).digest('hex') : undefined;

const expiryFrom = (now: Date) => new Date(now.getTime() + GUEST_CART_TTL_MS);

/** Creates a guest cart's token row; the caller appends the cart's first events in the same transaction. */
export const openGuestCart = async (tx: Sql, now: Date): Promise<{ cartId: string; cartToken: string }> => {
  const cartToken = randomBytes(32).toString('base64url');
  const cartId = newId();
  await tx.query(`insert into cart.guest_carts (token_hash, cart_id, created_at, expires_at) values ($1, $2, $3, $4)`, [
    hashCartToken(cartToken),
    cartId,
    now,
    expiryFrom(now),
  ]);
  return { cartId, cartToken };
};

/**
 * The id of the open guest cart this token names, or undefined (malformed, unknown, expired or merged). With `lock`,
 * its row stays locked until the transaction ends: every write to a guest cart and the merge at login take this lock
 * first, so a merge never races a guest's write.
 */
export const findGuestCart = async (
  db: Sql,
  cartToken: string,
  now: Date,
  options: { lock?: boolean } = {},
): Promise<string | undefined> => {
  const tokenHash = hashCartToken(cartToken);
  if (!tokenHash) return undefined;
  const { rows } = await db.query<{ cart_id: string }>(
    `select cart_id from cart.guest_carts
      where token_hash = $1 and merged_into is null and expires_at > $2 ${options.lock ? 'for update' : ''}`,
    [tokenHash, now],
  );
  return rows[0]?.cart_id;
};

/** A change to the guest cart: its expiry moves to 30 days from now. */
export const touchGuestCart = async (tx: Sql, cartId: string, now: Date): Promise<void> => {
  await tx.query(`update cart.guest_carts set expires_at = $2 where cart_id = $1`, [cartId, expiryFrom(now)]);
};

/** The guest cart was merged at login: its token stops working. */
export const closeGuestCart = async (tx: Sql, cartId: string, customerId: string, now: Date): Promise<void> => {
  await tx.query(`update cart.guest_carts set merged_into = $2, merged_at = $3 where cart_id = $1 and merged_into is null`, [
    cartId,
    customerId,
    now,
  ]);
};
