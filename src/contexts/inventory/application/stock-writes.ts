import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import {
  type AnyEvent,
  type CommandMeta,
  type Decider,
  EventStore,
  metaForStream,
  type StreamAppend,
} from '../../../platform/event-store/event-store';
import { isAppliedOnce, lockAllUntilCommit, type Sql } from '../../../platform/persistence/database';
import type { StockDecision } from '../domain/reservation';
import { available, evolve, flagLowStock, type HoldStatus, initialStockState, type StockEvent, type StockState } from '../domain/stock';
import type { StockLevelView } from './stock-levels.projection';

export const stockStream = (sku: string): string => `inventory.stock-${sku}`;
export const reservationStream = (orderId: string): string => `inventory.reservation-${orderId}`;
export const returnStream = (returnId: string): string => `inventory.return-${returnId}`;
/** Where the scheduler appends a hold's ReservationExpiryDue (its own stream: the reservation's version is not raced). */
export const expiryStream = (orderId: string): string => `inventory.expiry-${orderId}`;
export const expiryKey = (orderId: string): string => `inventory.reservation-expiry:${orderId}`;

/** A stock stream's state as of `version`, read from its row in `inventory.stock_levels` (ADR 0010). */
export type LockedStock = { state: StockState; version: number };

/**
 * Locks the stock rows of `skus` in one statement, in one fixed order (so concurrent multi-SKU reservations never
 * deadlock), and returns each SKU's state, restricted to the one order a decision concerns. SKUs never stocked are
 * absent. The rows are the stock-levels projection's, written in each append's transaction: a snapshot of the streams.
 */
export const lockStocks = async (
  tx: Sql,
  skus: readonly string[],
  orderIds: string | readonly string[] = [],
): Promise<Map<string, LockedStock>> => {
  const { rows } = await tx.query<{
    sku: string;
    on_hand: number;
    reserved: number;
    version: number;
    order_id: string | null;
    quantity: number | null;
    status: HoldStatus | null;
  }>(
    `select s.sku, s.on_hand, s.reserved, s.version, r.order_id, r.quantity, r.status
       from inventory.stock_levels s
       left join inventory.stock_reservations r on r.sku = s.sku and r.order_id = any($2::text[])
      where s.sku = any($1::text[])
      order by s.sku collate "C"
        for update of s`,
    [skus, typeof orderIds === 'string' ? [orderIds] : orderIds],
  );
  const locked = new Map<string, LockedStock>();
  for (const row of rows) {
    const stock = locked.get(row.sku) ?? {
      state: { stocked: true, onHand: row.on_hand, reserved: row.reserved, reservations: {} },
      version: row.version,
    };
    if (row.order_id !== null && row.quantity !== null && row.status) {
      stock.state.reservations[row.order_id] = { quantity: row.quantity, status: row.status };
    }
    locked.set(row.sku, stock);
  }
  return locked;
};

const statesOf = (locked: ReadonlyMap<string, LockedStock>): Map<string, StockState> =>
  new Map([...locked].map(([sku, { state }]) => [sku, state]));

const expected = (version: number | undefined) => (version ? version : 'no_stream');

/** A decision on the stock of several SKUs for one order (or return), recorded in that order's outcome stream. */
export type StockDecisionOn<S, O extends AnyEvent> = {
  /** The order's (or return's) stream: its commands queue on it, its state is folded from it, the outcome goes to it. */
  stream: string;
  decider: Decider<S, O>;
  /** The SKUs whose rows to lock: the command's lines, or those the stream's state names. */
  skus: (state: S) => readonly string[];
  /** The order whose holds the locked stock states show (none for a return). */
  orderId?: string;
  /** The pure domain decision on the folded stream and the locked stock states. */
  decide: (state: S, stocks: ReadonlyMap<string, StockState>) => StockDecision<O>;
};

/** Appends stock decisions, adding StockRanLow where a SKU's available quantity crosses the low-stock threshold. */
@Injectable()
export class StockWrites {
  constructor(
    private readonly eventStore: EventStore,
    private readonly config: Config,
  ) {}

  /** A command on one SKU (count, restock, adjustment): lock its row, decide on it, append; returns the levels after. */
  async decideOnSku(tx: Sql, sku: string, decision: (state: StockState) => StockEvent[], meta: CommandMeta): Promise<StockLevelView> {
    const locked = (await lockStocks(tx, [sku])).get(sku);
    const state = locked?.state ?? initialStockState();
    const events = decision(state);
    await this.appendStock(tx, sku, locked, events, meta);
    const { onHand, reserved } = events.reduce(evolve, state);
    return { sku, onHand, reserved, available: available({ onHand, reserved }) };
  }

  /**
   * The one way an order-level (or return-level) decision on stock is made, in the caller's transaction: the
   * stream's commands queue behind each other, its state is folded, the SKUs' stock rows are locked (one statement,
   * SKU order), the pure decision runs on both, and each SKU stream is appended at the version its row was locked
   * at, then the outcome at the version folded. The expected versions and the projection's CHECK constraints back
   * the decision; a lost race throws for the caller's retry. Returns the stream's state before and after.
   */
  async decideOnStock<S, O extends AnyEvent>(tx: Sql, on: StockDecisionOn<S, O>, meta: CommandMeta): Promise<{ before: S; after: S }> {
    return (await this.decideOnStockTogether(tx, [{ on, meta }]))[0];
  }

  /**
   * `decideOnStock` for several orders (or returns) at once, e.g. the reservations one read of the log brought: the
   * streams are locked and folded, the stock rows of all their SKUs locked once (one statement, SKU order, so batches
   * never deadlock), and the decisions run one after the other, each on the stock as the ones before it left it. A hot
   * SKU's row is then locked once per batch instead of once per order, and held for no other batch's round trips.
   * Each order's events keep their own metadata; in a batch's transaction all of them are appended in one statement.
   */
  async decideOnStockTogether<S, O extends AnyEvent>(
    tx: Sql,
    decisions: readonly { on: StockDecisionOn<S, O>; meta: CommandMeta }[],
  ): Promise<{ before: S; after: S }[]> {
    const streams = new Set(decisions.map(({ on }) => on.stream));
    if (streams.size < decisions.length) throw new Error('decisions on one stream are made one after the other, not together');
    // commands on one order (or return) queue behind each other before any stock row is locked; efficiency only: it
    // spares the loser of a race its retry, the stream's expected version stays the guard
    await lockAllUntilCommit(
      tx,
      decisions.map(({ on }) => on.stream),
    );
    await this.eventStore.preload(
      decisions.map(({ on }) => on.stream),
      tx,
    );
    const folded: { state: S; version: number }[] = [];
    for (const { on } of decisions) folded.push(await this.eventStore.aggregate(on.stream, on.decider, { tx }));
    const skus = [...new Set(decisions.flatMap(({ on }, i) => on.skus(folded[i].state)))];
    const orderIds = decisions.flatMap(({ on }) => (on.orderId === undefined ? [] : [on.orderId]));
    const stocks = await lockStocks(tx, skus, orderIds);
    const results: { before: S; after: S }[] = [];
    const appends: StreamAppend[] = [];
    for (const [i, { on, meta }] of decisions.entries()) {
      const { state, version } = folded[i];
      const decision = on.decide(state, statesOf(stocks));
      for (const { sku, events } of decision.stock) {
        const locked = stocks.get(sku);
        const part = this.stockPart(sku, locked, events, meta);
        if (!part) continue;
        appends.push(part);
        stocks.set(sku, {
          state: (part.events as StockEvent[]).reduce(evolve, locked?.state ?? initialStockState()),
          version: part.expectedVersion + part.events.length,
        });
      }
      if (decision.outcome.length > 0) {
        appends.push({ stream: on.stream, expectedVersion: version, events: decision.outcome, meta: metaForStream(meta, on.stream) });
      }
      results.push({ before: state, after: decision.outcome.reduce(on.decider.evolve, state) });
    }
    await this.appendAll(tx, appends);
    return results;
  }

  /**
   * In a transaction applied once (a batch of messages), every stream in one statement; elsewhere (an HTTP command,
   * whose command id may come again) one append per stream, each recording its command.
   */
  private async appendAll(tx: Sql, appends: StreamAppend[]): Promise<void> {
    if (isAppliedOnce(tx)) {
      await this.eventStore.appendStreams(appends, tx);
      return;
    }
    for (const { stream, expectedVersion, events, meta } of appends) {
      await this.eventStore.append(stream, events, { expectedVersion: expected(expectedVersion), meta, tx });
    }
  }

  /** One SKU's events (with StockRanLow where it crosses the threshold) at the version its row was locked at. */
  private stockPart(sku: string, locked: LockedStock | undefined, events: StockEvent[], meta: CommandMeta): StreamAppend | undefined {
    const flagged = flagLowStock(locked?.state ?? initialStockState(), events, { sku, threshold: this.config.lowStockThreshold });
    if (flagged.length === 0) return undefined;
    const stream = stockStream(sku);
    return { stream, expectedVersion: locked?.version ?? 0, events: flagged, meta: metaForStream(meta, stream) };
  }

  /** One SKU's events at the version its row was locked at (no row: a new stream). */
  private async appendStock(tx: Sql, sku: string, locked: LockedStock | undefined, events: StockEvent[], meta: CommandMeta): Promise<void> {
    const part = this.stockPart(sku, locked, events, meta);
    if (part) await this.appendAll(tx, [part]);
  }
}
