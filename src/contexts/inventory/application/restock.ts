import { Injectable } from '@nestjs/common';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { restock, type Restock } from '../domain/stock';
import type { StockLevelView } from './stock-levels.projection';
import { StockWrites } from './stock-writes';

export type { Restock };

/** Staff record units received for a SKU (a delivery, a transfer…), with the reason kept in the ledger. */
@Injectable()
export class RestockHandler {
  constructor(
    private readonly db: Database,
    private readonly writes: StockWrites,
  ) {}

  execute(command: Restock, meta: CommandMeta): Promise<StockLevelView> {
    return retryOnConflict(() =>
      this.db.transaction((tx) => this.writes.decideOnSku(tx, command.sku, (state) => restock(state, command), meta)),
    );
  }
}
