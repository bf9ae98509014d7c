import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../platform/observability/metrics';
import type { Money } from '../../../shared-kernel/money';
import { type Authorization, type AuthorizeRequest, PaymentGateway, PaymentRefused } from '../application/ports';
import { meterProviderCalls } from './metered.payment-gateway';

/** Answers what the test sets; `hang` never settles before `release()`. */
class ScriptedGateway extends PaymentGateway {
  authorization: Authorization = { outcome: 'authorized', providerRef: 'ref-1' };
  failCapture?: Error;
  private release?: () => void;

  async authorize(_request: AuthorizeRequest): Promise<Authorization> {
    return this.authorization;
  }
  async capture(_providerRef: string, _amount: Money): Promise<void> {
    if (this.failCapture) throw this.failCapture;
  }
  void(_paymentId: string): Promise<void> {
    return new Promise((resolve) => (this.release = resolve));
  }
  async refund(): Promise<void> {}
  finishVoid(): void {
    this.release?.();
  }
}

const counts = async (metrics: Metrics) =>
  (await metrics.registry.getSingleMetric('orderly_payment_provider_duration_seconds')!.get()).values
    .filter((v) => (v as { metricName?: string }).metricName === 'orderly_payment_provider_duration_seconds_count')
    .map((v) => ({ operation: v.labels.operation, outcome: v.labels.outcome, count: v.value }));

const request: AuthorizeRequest = { paymentId: 'p1', amount: { amount: 100, currency: 'EUR' }, token: 'tok' };

describe('meterProviderCalls', () => {
  it('counts each call by operation and outcome, passing answers and errors through', async () => {
    const metrics = new Metrics();
    const scripted = new ScriptedGateway();
    const gateway = meterProviderCalls(scripted, metrics, 60_000);
    expect(gateway).toBe(scripted);

    expect(await gateway.authorize(request)).toEqual({ outcome: 'authorized', providerRef: 'ref-1' });
    scripted.authorization = { outcome: 'declined', reason: 'insufficient_funds' };
    expect(await gateway.authorize(request)).toEqual({ outcome: 'declined', reason: 'insufficient_funds' });
    await gateway.capture('ref-1', request.amount);
    scripted.failCapture = new PaymentRefused('voided');
    await expect(gateway.capture('ref-1', request.amount)).rejects.toThrow(PaymentRefused);
    scripted.failCapture = new Error('connection reset');
    await expect(gateway.capture('ref-1', request.amount)).rejects.toThrow('connection reset');

    expect(await counts(metrics)).toEqual(
      expect.arrayContaining([
        { operation: 'authorize', outcome: 'ok', count: 1 },
        { operation: 'authorize', outcome: 'refused', count: 1 },
        { operation: 'capture', outcome: 'ok', count: 1 },
        { operation: 'capture', outcome: 'refused', count: 1 },
        { operation: 'capture', outcome: 'error', count: 1 },
      ]),
    );
    expect(await counts(metrics)).toHaveLength(5);
  });

  it('counts a call unanswered within the timeout once, as a timeout, also when it answers later', async () => {
    const metrics = new Metrics();
    const scripted = new ScriptedGateway();
    const gateway = meterProviderCalls(scripted, metrics, 5);
    const voiding = gateway.void('p1');
    await expect.poll(async () => (await counts(metrics)).length).toBe(1);
    scripted.finishVoid();
    await voiding;
    expect(await counts(metrics)).toEqual([{ operation: 'void', outcome: 'timeout', count: 1 }]);
  });
});
