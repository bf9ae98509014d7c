import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Config } from '../../../platform/config';
import { isOutage } from '../../../platform/outage';
import { PaymentRefused } from './ports';

/** What payment asks of the provider; names the call's trace span (`payment.provider <operation>`). */
export type ProviderOperation = 'authorize' | 'capture' | 'void' | 'refund';

export type ProviderPolicy = { timeoutMs: number; attempts: number; backoffMs: number };
export type ProviderCall<T> = { ok: true; value: T } | { ok: false; reason: 'timeout' | 'provider_error' | 'refused'; error: unknown };

export class ProviderTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`the payment provider did not answer within ${timeoutMs} ms`);
    this.name = 'ProviderTimeout';
  }
}

/** Provider errors are tried 3 times (100 ms, then 200 ms apart), each attempt waiting at most PAYMENT_PROVIDER_TIMEOUT_MS. */
export const providerPolicy = (config: Config): ProviderPolicy => ({
  timeoutMs: config.paymentProviderTimeoutMs,
  attempts: 3,
  backoffMs: 100,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const withTimeout = <T>(work: Promise<T>, timeoutMs: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProviderTimeout(timeoutMs)), timeoutMs);
  });
  // the abandoned call may still settle later: never as an unhandled rejection
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
};

/**
 * One attempt, in a CLIENT span `payment.provider <operation>` (the no-op API while tracing is off): an answer that is
 * no success (refusal, timeout, provider error) marks the span failed with the error's name.
 */
const attemptCall = <T>(operation: ProviderOperation, attempt: number, call: () => Promise<T>, timeoutMs: number): Promise<T> =>
  trace
    .getTracer('orderly.payment')
    .startActiveSpan(
      `payment.provider ${operation}`,
      { kind: SpanKind.CLIENT, attributes: { 'payment.provider.operation': operation, 'payment.provider.attempt': attempt } },
      async (span) => {
        try {
          return await withTimeout(call(), timeoutMs);
        } catch (error) {
          const name = error instanceof Error ? error.name : 'Error';
          span.setAttribute('error.type', name);
          span.setStatus({ code: SpanStatusCode.ERROR, message: name });
          throw error;
        } finally {
          span.end();
        }
      },
    );

/**
 * Calls the provider with a deadline per attempt and retries provider errors with exponential backoff, a bounded
 * number of times. A timeout is not retried (the first call may still land: the caller decides what to undo);
 * a refusal is not retried either. An outage of what payment itself depends on (its database, where the sandbox
 * keeps its ledger) is no answer of the provider: it is thrown, so the command is delivered again once the outage is
 * over (the provider is idempotent by payment id), rather than failing a payment the provider would have taken. Each
 * attempt is a span of the trace it is made in.
 */
export const callProvider = async <T>(
  operation: ProviderOperation,
  call: () => Promise<T>,
  policy: ProviderPolicy,
): Promise<ProviderCall<T>> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await attemptCall(operation, attempt, call, policy.timeoutMs) };
    } catch (error) {
      if (isOutage(error)) throw error;
      if (error instanceof PaymentRefused) return { ok: false, reason: 'refused', error };
      if (error instanceof ProviderTimeout) return { ok: false, reason: 'timeout', error };
      if (attempt >= policy.attempts) return { ok: false, reason: 'provider_error', error };
      await sleep(policy.backoffMs * 2 ** (attempt - 1));
    }
  }
};
