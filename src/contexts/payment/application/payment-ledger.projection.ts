import type { InlineProjection, RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';
import { PAYMENT_EVENT_TYPES, type PaymentEvent } from '../domain/payment';

export type LedgerEntryKind = 'authorized' | 'declined' | 'failed' | 'capture_refused' | 'captured' | 'voided' | 'refunded';

/** One movement of a payment; amounts in minor units of the payment's currency. */
export type LedgerEntry = {
  kind: LedgerEntryKind;
  amount: number | null;
  providerRef: string | null;
  refundId: string | null;
  reason: string | null;
  at: string;
};

type Row = { kind: LedgerEntryKind; amount?: Money; providerRef?: string; refundId?: string; reason?: string };

/** The ledger row an event becomes; a rejected refund moved nothing and is no entry. */
const toRow = (event: PaymentEvent): Row | null => {
  switch (event.type) {
    case 'PaymentAuthorized':
      return { kind: 'authorized', amount: event.data.amount, providerRef: event.data.providerRef };
    case 'PaymentDeclined':
      return { kind: 'declined', amount: event.data.amount, reason: event.data.reason };
    case 'PaymentFailed':
      return {
        kind: event.data.operation === 'capture' ? 'capture_refused' : 'failed',
        amount: event.data.amount,
        reason: event.data.reason,
      };
    case 'PaymentCaptured':
      return { kind: 'captured', amount: event.data.amount };
    case 'PaymentVoided':
      return { kind: 'voided', amount: event.data.amount };
    case 'PaymentRefunded':
      return { kind: 'refunded', amount: event.data.amount, refundId: event.data.refundId };
    case 'PaymentRefundRejected':
      return null;
  }
};

/**
 * The read model `payment.ledger`: every movement of every payment, written in the append transaction. Its unique
 * indexes back the decider in PostgreSQL: one capture per payment, each refund id once. Replaying an event is a no-op;
 * `npm run projections:rebuild -- payment.ledger` rebuilds it from the log.
 */
export const paymentLedgerProjection: InlineProjection = {
  name: 'payment.ledger',
  handles: PAYMENT_EVENT_TYPES,
  async apply(tx: Sql, events: RecordedEvent[]): Promise<void> {
    const rows = events.flatMap((recorded) => {
      if (!recorded.stream.startsWith('payment.payment-')) return [];
      const event = recorded as RecordedEvent<PaymentEvent>;
      const row = toRow(event);
      if (!row) return [];
      const { kind, amount, providerRef, refundId, reason } = row;
      const { orderId } = event.data;
      return [
        {
          orderId,
          version: event.version,
          kind,
          amount: amount?.amount,
          currency: amount?.currency,
          providerRef,
          refundId,
          reason,
          at: event.metadata.occurredAt,
        },
      ];
    });
    if (rows.length === 0) return;
    // the events of one append (an authorization captured at once: two) in one statement
    await tx.query(
      `insert into payment.ledger (order_id, version, kind, amount, currency, provider_ref, refund_id, reason, occurred_at)
       select r."orderId", r.version, r.kind, r.amount, r.currency, r."providerRef", r."refundId", r.reason, r.at
         from jsonb_to_recordset($1::jsonb) as r("orderId" text, version int, kind text, amount bigint, currency text, "providerRef" text,
                                                 "refundId" text, reason text, at timestamptz)
       on conflict (order_id, version) do nothing`,
      [JSON.stringify(rows)],
    );
  },
  async reset(tx: Sql): Promise<void> {
    await tx.query('delete from payment.ledger');
  },
};

export type PaymentStatus = 'authorized' | 'captured' | 'partially_refunded' | 'refunded' | 'voided' | 'declined' | 'failed';

/** A payment as staff see it: where it stands, its totals in minor units of `currency`, and its movements. */
export type PaymentView = {
  orderId: string;
  status: PaymentStatus;
  /** null only for a payment voided before any amount was known */
  currency: string | null;
  authorized: number;
  captured: number;
  refunded: number;
  entries: LedgerEntry[];
};

type EntryRow = {
  kind: LedgerEntryKind;
  amount: string | null;
  currency: string | null;
  provider_ref: string | null;
  refund_id: string | null;
  reason: string | null;
  occurred_at: Date;
};

/** Folds the movements, oldest first, into the view (the same transitions as the decider's evolve). */
export const paymentView = (orderId: string, rows: EntryRow[]): PaymentView => {
  const view: PaymentView = { orderId, status: 'failed', currency: null, authorized: 0, captured: 0, refunded: 0, entries: [] };
  for (const row of rows) {
    const amount = row.amount === null ? null : Number(row.amount);
    view.currency ??= row.currency;
    view.entries.push({
      kind: row.kind,
      amount,
      providerRef: row.provider_ref,
      refundId: row.refund_id,
      reason: row.reason,
      at: row.occurred_at.toISOString(),
    });
    switch (row.kind) {
      case 'authorized':
        view.authorized = amount ?? 0;
        view.status = 'authorized';
        break;
      case 'captured':
        view.captured = amount ?? 0;
        view.status = 'captured';
        break;
      case 'refunded':
        view.refunded += amount ?? 0;
        view.status = view.refunded >= view.captured ? 'refunded' : 'partially_refunded';
        break;
      case 'declined':
      case 'failed':
      case 'voided':
        view.status = row.kind;
        break;
      case 'capture_refused': // the authorization stands
        break;
    }
  }
  return view;
};

/** The payment of an order with its ledger; undefined when nothing was recorded for it. */
export const getPayment = async (sql: Sql, orderId: string): Promise<PaymentView | undefined> => {
  const { rows } = await sql.query<EntryRow>(
    `select kind, amount, currency, provider_ref, refund_id, reason, occurred_at
       from payment.ledger where order_id = $1 order by version`,
    [orderId],
  );
  return rows.length === 0 ? undefined : paymentView(orderId, rows);
};
