import { type CommandMeta, EventStore, retryOnConflict } from '../../../platform/event-store/event-store';
import type { Database, Sql } from '../../../platform/persistence/database';
import { type CartEvent, CartNotFound, type CartOwner, type CartState, evolve } from '../domain/cart';
import { cartStream, loadCart } from './carts.projection';
import { findGuestCart, openGuestCart, touchGuestCart } from './guest-carts';

type Deps = { db: Database; eventStore: EventStore };

/**
 * Read (the locked snapshot row), decide, append at that version. Without `tx` it runs its own transaction and
 * runs it again if another writer got to the cart first; with `tx` (an inbox transaction) the caller retries.
 */
export const decideOnCart = async (
  deps: Deps,
  cartId: string,
  decision: (state: CartState) => CartEvent[],
  meta: CommandMeta,
  tx?: Sql,
): Promise<{ state: CartState; version: number }> => {
  const run = async (tx: Sql) => {
    const current = await loadCart(tx, cartId, { lock: true });
    const events = decision(current.state);
    if (events.length === 0) return current;
    const stream = cartStream(cartId);
    const result = await deps.eventStore.append(stream, events, { expectedVersion: current.version || 'no_stream', meta, tx });
    if (result.duplicate) return loadCart(tx, cartId);
    return { state: events.reduce(evolve, current.state), version: result.nextExpectedVersion };
  };
  return tx ? run(tx) : retryOnConflict(() => deps.db.transaction(run));
};

/** Whose cart a request acts on: a signed-in customer's own, or the guest cart its `X-Cart-Token` names (if any). */
export type CartCaller = { kind: 'customer'; customerId: string } | { kind: 'guest'; cartToken?: string };

export type CallersCart = {
  cartId: string;
  state: CartState;
  version: number;
  /** set when this write created a guest cart */ newCartToken?: string;
};

/**
 * Command ids are unique across the store, and every anonymous caller's Idempotency-Key maps to the same kind of id:
 * on a guest cart the command id is qualified by the cart, so two guests using one key never collide.
 */
const guestMeta = (cartId: string, meta: CommandMeta): CommandMeta => ({ ...meta, commandId: `guest-cart:${cartId}:${meta.commandId}` });

/**
 * `decideOnCart` on the caller's cart. A customer's cart is their user id. A guest's cart is found by token, its row
 * locked first and its expiry renewed in the same transaction; an unknown token is `cart.cart_not_found`, never
 * another cart. With `createGuestCart`, a guest without a token gets a new cart (and token) when the decision
 * succeeds; a refused decision leaves nothing behind.
 */
export const decideOnCallersCart = async (
  deps: Deps,
  caller: CartCaller,
  decision: (state: CartState, owner: CartOwner) => CartEvent[],
  meta: CommandMeta,
  options: { createGuestCart?: boolean } = {},
): Promise<CallersCart> => {
  if (caller.kind === 'customer') {
    const { customerId } = caller;
    const cart = await decideOnCart(deps, customerId, (state) => decision(state, { guest: false, customerId }), meta);
    return { cartId: customerId, ...cart };
  }
  const { cartToken } = caller;
  if (cartToken === undefined && !options.createGuestCart) throw new CartNotFound();
  return retryOnConflict(() =>
    deps.db.transaction(async (tx) => {
      const opened = cartToken === undefined ? await openGuestCart(tx, meta.now) : undefined;
      const cartId = opened?.cartId ?? (await findGuestCart(tx, cartToken!, meta.now, { lock: true }));
      if (cartId === undefined) throw new CartNotFound();
      const cart = await decideOnCart(deps, cartId, (state) => decision(state, { guest: true }), guestMeta(cartId, meta), tx);
      if (!opened) await touchGuestCart(tx, cartId, meta.now);
      return { cartId, ...cart, ...(opened ? { newCartToken: opened.cartToken } : {}) };
    }),
  );
};
