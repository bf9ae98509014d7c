import { Injectable } from '@nestjs/common';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { adjust, type AdjustStock } from '../domain/stock';
import type { StockLevelView } from './stock-levels.projection';
import { StockWrites } from './stock-writes';

export type { AdjustStock };

/**
 * Staff correct a SKU's on-hand stock (damaged, lost, found, a recount…) with a reason and an optional note, kept
 * in the ledger. Refused (409 `inventory.insufficient_stock`) when it would take more than is available.
 */
@Injectable()
export class AdjustStockHandler {
  constructor(
    private readonly db: Database,
    private readonly writes: StockWrites,
  ) {}

  execute(command: AdjustStock, meta: CommandMeta): Promise<StockLevelView> {
    return retryOnConflict(() =>
      this.db.transaction((tx) => this.writes.decideOnSku(tx, command.sku, (state) => adjust(state, command), meta)),
    );
  }
}
