import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { available, initialStockState, setLevel } from '../domain/stock';
import { lockStocks, type StockLevelView } from './stock-levels.projection';
import { stockStream } from './stock-writes';

export type SetStockLevel = { sku: string; onHand: number };

/** An admin (or the seeder) records the counted on-hand stock of a SKU; it cannot go below what is reserved. */
@Injectable()
export class SetStockLevelHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
  ) {}

  execute(command: SetStockLevel, meta: CommandMeta): Promise<StockLevelView> {
    return retryOnConflict(() =>
      this.db.transaction(async (tx) => {
        const locked = (await lockStocks(tx, [command.sku])).get(command.sku);
        const state = locked?.state ?? initialStockState();
        const events = setLevel(state, command);
        if (events.length > 0) {
          await this.eventStore.append(stockStream(command.sku), events, {
            expectedVersion: locked ? locked.version : 'no_stream',
            meta,
            tx,
          });
        }
        const level = { onHand: command.onHand, reserved: state.reserved };
        return { sku: command.sku, ...level, available: available(level) };
      }),
    );
  }
}
