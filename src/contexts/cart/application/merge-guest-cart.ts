import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { GuestCarts } from '../contracts';
import { claimGuestCart, mergeGuestCart } from '../domain/guest-cart-merge';
import { decideOnCart } from './cart-writes';
import { loadCart } from './carts.projection';
import { closeGuestCart, findGuestCart } from './guest-carts';

/**
 * A customer logged in holding a guest cart's token: its lines move into their cart (see `mergeGuestCart` for caps
 * and what is dropped) and the guest cart closes, in one transaction. The guest cart's token row is locked first, so
 * concurrent logins with one token merge once: the later one finds the token closed and does nothing. The command
 * ids derive from the guest cart, so even a replayed login appends nothing twice.
 */
@Injectable()
export class MergeGuestCartHandler extends GuestCarts {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
  ) {
    super();
  }

  async mergeIntoCustomerCart(cartToken: string, customerId: string, meta: CommandMeta): Promise<void> {
    const deps = { db: this.db, eventStore: this.eventStore };
    await retryOnConflict(() =>
      this.db.transaction(async (tx) => {
        const guestCartId = await findGuestCart(tx, cartToken, meta.now, { lock: true });
        if (guestCartId === undefined) return;
        const guest = await loadCart(tx, guestCartId, { lock: true });
        const merge = `cart.merge-guest-cart:${guestCartId}`;
        await decideOnCart(
          deps,
          customerId,
          (state) => mergeGuestCart(state, { guestCartId, guestLines: guest.state.lines }),
          { ...meta, commandId: `${merge}:into:${customerId}` },
          tx,
        );
        await decideOnCart(deps, guestCartId, (state) => claimGuestCart(state, { customerId }), { ...meta, commandId: merge }, tx);
        await closeGuestCart(tx, guestCartId, customerId, meta.now);
      }),
    );
  }
}
