import type { InlineProjection, RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { CART_EVENT_TYPES, type CartEvent, type CartState, evolve, initialCartState } from '../domain/cart';

const STREAM_PREFIX = 'cart.cart-';
export const cartStream = (cartId: string): string => `${STREAM_PREFIX}${cartId}`;
/** The cart id of a cart stream; undefined for any other stream. */
export const cartIdOf = (stream: string): string | undefined =>
  stream.startsWith(STREAM_PREFIX) ? stream.slice(STREAM_PREFIX.length) : undefined;

type Snapshot = { state: CartState; version: number };

/**
 * The rows a transaction locked or wrote, by cart: the projection folds a cart's new events on the row its decision
 * locked (or on what it wrote a moment ago in the same batch) instead of reading the row again. The state at a version
 * is the same however it was read, so a row at the version just before the new events is the one to fold on.
 */
const heldCarts = new WeakMap<Sql, Map<string, Snapshot>>();
const hold = (tx: Sql, cartId: string, snapshot: Snapshot): void => {
  const held = heldCarts.get(tx) ?? new Map<string, Snapshot>();
  held.set(cartId, snapshot);
  heldCarts.set(tx, held);
};

/**
 * `cart.carts`: each cart's folded state and version, written in the append transaction. It serves reads in one
 * lookup and is the snapshot the cart's decisions start from, so a long-lived cart never replays its stream.
 */
export const cartsProjection: InlineProjection = {
  name: 'cart.carts',
  handles: CART_EVENT_TYPES,
  async apply(tx, events) {
    const byStream = new Map<string, RecordedEvent[]>();
    for (const event of events) byStream.set(event.stream, [...(byStream.get(event.stream) ?? []), event]);
    for (const [stream, recorded] of byStream) {
      const cartId = cartIdOf(stream);
      if (cartId === undefined) continue;
      const held = heldCarts.get(tx)?.get(cartId);
      const { state } = held?.version === recorded[0].version - 1 ? held : await loadCart(tx, cartId);
      const next = (recorded as RecordedEvent<CartEvent>[]).reduce(evolve, state);
      const last = recorded[recorded.length - 1];
      hold(tx, cartId, { state: next, version: last.version });
      await tx.query(
        `insert into cart.carts (cart_id, version, state, updated_at) values ($1, $2, $3, $4)
         on conflict (cart_id) do update set version = excluded.version, state = excluded.state, updated_at = excluded.updated_at`,
        [cartId, last.version, JSON.stringify(next), last.metadata.occurredAt],
      );
    }
  },
};

/** A cart's state and version (0 when never written); `lock` holds its row until the transaction ends. */
export const loadCart = async (db: Sql, cartId: string, options: { lock?: boolean } = {}): Promise<Snapshot> => {
  const { rows } = await db.query<Snapshot>(
    `select state, version from cart.carts where cart_id = $1 ${options.lock ? 'for update' : ''}`,
    [cartId],
  );
  const snapshot = rows[0] ?? { state: initialCartState(), version: 0 };
  // only a transaction can lock: the row is its own until it ends
  if (options.lock) hold(db, cartId, snapshot);
  return snapshot;
};
