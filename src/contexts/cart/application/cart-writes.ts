import { type CommandMeta, EventStore, retryOnConflict } from '../../../platform/event-store/event-store';
import type { Database, Sql } from '../../../platform/persistence/database';
import { type CartEvent, type CartState, evolve } from '../domain/cart';
import { cartStream, loadCart } from './carts.projection';

/**
 * Read (the locked snapshot row), decide, append at that version. Without `tx` it runs its own transaction and
 * runs it again if another writer got to the cart first; with `tx` (an inbox transaction) the caller retries.
 */
export const decideOnCart = async (
  deps: { db: Database; eventStore: EventStore },
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
