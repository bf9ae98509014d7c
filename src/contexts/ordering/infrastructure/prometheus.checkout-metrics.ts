import { Injectable } from '@nestjs/common';
import { Metrics } from '../../../platform/observability/metrics';
import { onceCommitted, type Sql } from '../../../platform/persistence/database';
import { type CheckoutEnding, CheckoutMetrics } from '../application/checkout-metrics';

/** The checkout's cancellation reasons are a handful of snake_case words; anything else is one label value. */
const REASON = /^[a-z][a-z_]{0,39}$/;

/**
 * Counts ended checkouts into `orderly_checkouts_total`, `orderly_checkout_duration_seconds` and (confirmed ones)
 * `orderly_order_revenue_minor_total`, in memory, once the transaction that ended them has committed.
 */
@Injectable()
export class PrometheusCheckoutMetrics extends CheckoutMetrics {
  constructor(private readonly metrics: Metrics) {
    super();
  }

  ended(ending: CheckoutEnding, tx?: Sql): void {
    const record = () => this.record(ending);
    onceCommitted(tx, record);
  }

  private record(ending: CheckoutEnding): void {
    const { outcome } = ending;
    const reason = ending.outcome === 'confirmed' ? 'none' : REASON.test(ending.reason) ? ending.reason : 'other';
    this.metrics.checkouts.inc({ outcome, reason });
    const seconds = (ending.endedAt.getTime() - Date.parse(ending.placedAt)) / 1000;
    if (Number.isFinite(seconds)) this.metrics.checkoutDuration.observe({ outcome }, Math.max(0, seconds));
    if (ending.outcome === 'confirmed') this.metrics.orderRevenueMinor.inc({ currency: ending.total.currency }, ending.total.amount);
  }
}
