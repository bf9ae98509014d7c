import { normalizeLines, type ReservationLine, type StockDecision } from './reservation';
import { initialStockState, receiveReturn, type StockState } from './stock';

/** An approved return's units back on hand (stream `inventory.return-<returnId>`): recorded once per return. */
export type ReturnEvent = { type: 'ReturnRestocked'; data: { returnId: string; orderId: string; lines: ReservationLine[] } };
export type ReturnState = { restocked: boolean };

export const returnDecider = {
  initialState: (): ReturnState => ({ restocked: false }),
  evolve: (_state: ReturnState, _event: ReturnEvent): ReturnState => ({ restocked: true }),
};

/** Puts every returned line back on hand, in SKU order; a return already restocked is a no-op. */
export const restockReturn = (
  state: ReturnState,
  stocks: ReadonlyMap<string, StockState>,
  { returnId, orderId, lines }: { returnId: string; orderId: string; lines: readonly ReservationLine[] },
): StockDecision<ReturnEvent> => {
  if (state.restocked) return { stock: [], outcome: [] };
  const sorted = normalizeLines(lines);
  const stock = sorted.map(({ sku, quantity }) => ({
    sku,
    events: receiveReturn(stocks.get(sku) ?? initialStockState(), { sku, returnId, orderId, quantity }),
  }));
  return { stock, outcome: [{ type: 'ReturnRestocked', data: { returnId, orderId, lines: sorted } }] };
};
