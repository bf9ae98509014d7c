import type { Metrics } from '../../../platform/observability/metrics';
import { type Authorization, type PaymentGateway, PaymentRefused } from '../application/ports';

type Operation = 'authorize' | 'capture' | 'void' | 'refund';
type Outcome = 'ok' | 'refused' | 'error' | 'timeout';

const OPERATIONS: readonly Operation[] = ['authorize', 'capture', 'void', 'refund'];

/** A declined authorization is the provider refusing; every other answer is `ok`. */
const outcomeOf = (operation: Operation, value: unknown): Outcome =>
  operation === 'authorize' && (value as Authorization).outcome === 'declined' ? 'refused' : 'ok';

/**
 * Times every call of the provider into `orderly_payment_provider_duration_seconds` by operation and outcome: `ok`,
 * `refused` (a declined authorization, or PaymentRefused), `error` (it threw), `timeout` (no answer within
 * PAYMENT_PROVIDER_TIMEOUT_MS, when the caller stops waiting: such a call is counted then, once, and not again when
 * it settles). The gateway's four operations are wrapped in place and answer unchanged: the gateway stays the object
 * it is (the sandbox keeps its own tools for tests), and a gateway a test puts in its place is not timed.
 */
export const meterProviderCalls = <G extends PaymentGateway>(gateway: G, metrics: Metrics, timeoutMs: number): G => {
  for (const operation of OPERATIONS) {
    const call = (gateway[operation] as (...args: unknown[]) => Promise<unknown>).bind(gateway);
    Object.defineProperty(gateway, operation, {
      value: (...args: unknown[]) => measure(metrics, timeoutMs, operation, () => call(...args)),
      writable: true,
      configurable: true,
    });
  }
  return gateway;
};

const measure = async <T>(metrics: Metrics, timeoutMs: number, operation: Operation, call: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  let recorded = false;
  const record = (outcome: Outcome) => {
    if (recorded) return;
    recorded = true;
    metrics.paymentProviderDuration.observe({ operation, outcome }, (performance.now() - started) / 1000);
  };
  const timer = setTimeout(() => record('timeout'), timeoutMs);
  try {
    const value = await call();
    record(outcomeOf(operation, value));
    return value;
  } catch (error) {
    record(error instanceof PaymentRefused ? 'refused' : 'error');
    throw error;
  } finally {
    clearTimeout(timer);
  }
};
