import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, retryOnConflict } from '../../../platform/event-store/event-store';
import { Database, type Sql } from '../../../platform/persistence/database';
import { normalizeLines, type ReservationLine } from '../domain/reservation';
import { returnDecider, restockReturn } from '../domain/return-restock';
import { lockStocks } from './stock-levels.projection';
import { lockStream, returnStream, statesOf, StockWrites } from './stock-writes';

export type RestockReturn = { returnId: string; orderId: string; lines: ReservationLine[] };

/** Staff approved a return (`ordering.return-approved.v1`): its lines go back on hand (ledger reason `return`), once per return. */
@Injectable()
export class RestockReturnHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
    private readonly writes: StockWrites,
  ) {}

  execute(command: RestockReturn, meta: CommandMeta, tx?: Sql): Promise<void> {
    const lines = normalizeLines(command.lines);
    const run = async (tx: Sql): Promise<void> => {
      const stream = returnStream(command.returnId);
      await lockStream(tx, stream);
      const { state, version } = await this.eventStore.aggregate(stream, returnDecider, { tx });
      const locked = await lockStocks(
        tx,
        lines.map((line) => line.sku),
      );
      const decision = restockReturn(state, statesOf(locked), { ...command, lines });
      await this.writes.appendDecision(tx, decision, locked, { stream, version }, meta);
    };
    return tx ? run(tx) : retryOnConflict(() => this.db.transaction(run));
  }
}
