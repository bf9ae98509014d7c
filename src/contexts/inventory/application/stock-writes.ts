import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import { type AnyEvent, type CommandMeta, EventStore, metaForStream } from '../../../platform/event-store/event-store';
import { lockUntilCommit, type Sql } from '../../../platform/persistence/database';
import type { StockDecision } from '../domain/reservation';
import { available, evolve, flagLowStock, initialStockState, type StockEvent, type StockState } from '../domain/stock';
import { type LockedStock, lockStocks, type StockLevelView } from './stock-levels.projection';

export const stockStream = (sku: string): string => `inventory.stock-${sku}`;
export const reservationStream = (orderId: string): string => `inventory.reservation-${orderId}`;
export const returnStream = (returnId: string): string => `inventory.return-${returnId}`;
/** Where the scheduler appends a hold's ReservationExpiryDue (its own stream: the reservation's version is not raced). */
export const expiryStream = (orderId: string): string => `inventory.expiry-${orderId}`;
export const expiryKey = (orderId: string): string => `inventory.reservation-expiry:${orderId}`;

export const statesOf = (locked: ReadonlyMap<string, LockedStock>): Map<string, StockState> =>
  new Map([...locked].map(([sku, { state }]) => [sku, state]));

/**
 * Queues the commands on one order (or return) behind each other for this transaction, before any stock row is
 * locked. Efficiency only: it spares the loser of a race its retry; the stream's expected version stays the guard.
 */
export const lockStream = (tx: Sql, stream: string): Promise<void> => lockUntilCommit(tx, stream);

const expected = (version: number | undefined) => (version ? version : 'no_stream');

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

  /** One SKU's events at the version its row was locked at (no row: a new stream). */
  async appendStock(tx: Sql, sku: string, locked: LockedStock | undefined, events: StockEvent[], meta: CommandMeta): Promise<void> {
    const flagged = flagLowStock(locked?.state ?? initialStockState(), events, { sku, threshold: this.config.lowStockThreshold });
    if (flagged.length === 0) return;
    const stream = stockStream(sku);
    await this.eventStore.append(stream, flagged, { expectedVersion: expected(locked?.version), meta: metaForStream(meta, stream), tx });
  }

  /** An order-level (or return-level) decision: each SKU stream at its locked version, then the outcome's stream. */
  async appendDecision<O extends AnyEvent>(
    tx: Sql,
    decision: StockDecision<O>,
    locked: ReadonlyMap<string, LockedStock>,
    outcome: { stream: string; version: number },
    meta: CommandMeta,
  ): Promise<void> {
    for (const { sku, events } of decision.stock) await this.appendStock(tx, sku, locked.get(sku), events, meta);
    if (decision.outcome.length === 0) return;
    await this.eventStore.append(outcome.stream, decision.outcome, {
      expectedVersion: expected(outcome.version),
      meta: metaForStream(meta, outcome.stream),
      tx,
    });
  }
}
