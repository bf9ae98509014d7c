import { describe, expect, it } from 'vitest';
import { paymentView, type LedgerEntryKind } from './payment-ledger.projection';

const at = new Date('2026-03-01T10:00:00Z');
const row = (kind: LedgerEntryKind, amount: number | null, extra: { refundId?: string; reason?: string } = {}) => ({
  kind,
  amount: amount === null ? null : String(amount),
  currency: amount === null ? null : 'EUR',
  provider_ref: kind === 'authorized' ? 'sbx_1' : null,
  refund_id: extra.refundId ?? null,
  reason: extra.reason ?? null,
  occurred_at: at,
});

describe('payment view (folding the ledger)', () => {
  it('totals and status through partial refunds', () => {
    const rows = [row('authorized', 5000), row('captured', 5000), row('refunded', 1000, { refundId: 'r1' })];
    expect(paymentView('o1', rows)).toMatchObject({
      orderId: 'o1',
      status: 'partially_refunded',
      currency: 'EUR',
      authorized: 5000,
      captured: 5000,
      refunded: 1000,
    });
    expect(paymentView('o1', [...rows, row('refunded', 4000, { refundId: 'r2' })])).toMatchObject({ status: 'refunded', refunded: 5000 });
  });

  it('a refused capture keeps the authorization; a void, a decline and a failure end it', () => {
    expect(paymentView('o1', [row('authorized', 5000), row('capture_refused', 5000, { reason: 'capture_refused' })]).status).toBe(
      'authorized',
    );
    expect(paymentView('o1', [row('authorized', 5000), row('voided', 5000)])).toMatchObject({
      status: 'voided',
      authorized: 5000,
      captured: 0,
    });
    expect(paymentView('o1', [row('declined', 5000, { reason: 'card_declined' })])).toMatchObject({ status: 'declined', authorized: 0 });
    expect(paymentView('o1', [row('failed', 5000, { reason: 'timeout' }), row('authorized', 5000), row('voided', 5000)]).status).toBe(
      'voided',
    );
  });

  it('lists every movement in order, with what the staff needs to trace it', () => {
    const view = paymentView('o1', [row('authorized', 5000), row('captured', 5000), row('refunded', 700, { refundId: 'r1' })]);
    expect(view.entries).toEqual([
      { kind: 'authorized', amount: 5000, providerRef: 'sbx_1', refundId: null, reason: null, at: at.toISOString() },
      { kind: 'captured', amount: 5000, providerRef: null, refundId: null, reason: null, at: at.toISOString() },
      { kind: 'refunded', amount: 700, providerRef: null, refundId: 'r1', reason: null, at: at.toISOString() },
    ]);
  });

  it('a payment voided before any amount was known has no currency', () =>
    expect(paymentView('o1', [row('voided', null)])).toMatchObject({ status: 'voided', currency: null, authorized: 0 }));
});
