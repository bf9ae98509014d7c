import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';
import { ProductCatalog } from '../../catalog/contracts';
import type { CartEvent } from '../domain/cart';
import { refresh } from '../domain/cart-pricing';
import type { CartWriteResult } from './add-cart-item';
import { type CartCaller, decideOnCallersCart } from './cart-writes';
import { CartViews, loadCallersCart } from './cart-views';
import { currentOffers } from './current-offers';

export type RefreshCart = { caller: CartCaller };

export type RefreshCartResult = CartWriteResult & {
  repriced: { sku: string; previousPrice: Money; unitPrice: Money }[];
  /** lines taken out because the catalog no longer sells them */
  dropped: { sku: string; quantity: number }[];
};

/**
 * The shopper accepts the catalog's current prices: every line is re-quoted (one `CartItemRepriced` per line whose
 * price moved) and lines no longer sold are dropped. Afterwards checkout takes the cart, until a price moves again.
 */
@Injectable()
export class RefreshCartHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
    private readonly catalog: ProductCatalog,
    private readonly views: CartViews,
  ) {}

  async execute({ caller }: RefreshCart, meta: CommandMeta): Promise<RefreshCartResult> {
    const before = await loadCallersCart(this.db, caller, meta.now);
    const quoted = new Set(before.state.lines.map((line) => line.sku));
    const offers = await currentOffers(this.catalog, [...quoted]);
    let decided: CartEvent[] = [];
    const { cartId, ...cart } = await decideOnCallersCart(
      { db: this.db, eventStore: this.eventStore },
      caller,
      // a line added since the lookup was quoted at the current price just now: it is left as it is
      (state) => (decided = refresh({ ...state, lines: state.lines.filter((line) => quoted.has(line.sku)) }, offers)),
      meta,
    );
    return {
      cart: await this.views.present(cartId, cart),
      repriced: decided.flatMap((event) => (event.type === 'CartItemRepriced' ? [event.data] : [])),
      dropped: decided.flatMap((event) => (event.type === 'UnavailableCartItemDropped' ? [event.data] : [])),
    };
  }
}
