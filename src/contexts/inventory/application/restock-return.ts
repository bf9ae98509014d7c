import { Injectable } from '@nestjs/common';
import { type CommandMeta, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { normalizeLines, type ReservationLine } from '../domain/reservation';
import { returnDecider, restockReturn } from '../domain/return-restock';
import { returnStream, StockWrites } from './stock-writes';

export type RestockReturn = { returnId: string; orderId: string; lines: ReservationLine[] };

/** Staff approved a return (`ordering.return-approved.v1`): its lines go back on hand (ledger reason `return`), once per return. */
@Injectable()
export class RestockReturnHandler {
  constructor(
    private readonly db: Database,
    private readonly writes: StockWrites,
  ) {}

  execute(command: RestockReturn, meta: CommandMeta, tx?: Sql): Promise<void> {
    const lines = normalizeLines(command.lines);
    const skus = lines.map((line) => line.sku);
    const run = async (tx: Sql): Promise<void> => {
      await this.writes.decideOnStock(
        tx,
        {
          stream: returnStream(command.returnId),
          decider: returnDecider,
          skus: () => skus,
          decide: (state, stocks) => restockReturn(state, stocks, { ...command, lines }),
        },
        meta,
      );
    };
    return tx ? run(tx) : retryOnConflict(() => this.db.transaction(run));
  }
}
