import { Injectable } from '@nestjs/common';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { setLevel } from '../domain/stock';
import type { StockLevelView } from './stock-levels.projection';
import { StockWrites } from './stock-writes';

export type SetStockLevel = { sku: string; onHand: number };

/** An admin (or the seeder) records the counted on-hand stock of a SKU; it cannot go below what is reserved. */
@Injectable()
export class SetStockLevelHandler {
  constructor(
    private readonly db: Database,
    private readonly writes: StockWrites,
  ) {}

  execute(command: SetStockLevel, meta: CommandMeta): Promise<StockLevelView> {
    return retryOnConflict(() =>
      this.db.transaction((tx) => this.writes.decideOnSku(tx, command.sku, (state) => setLevel(state, command), meta)),
    );
  }
}
