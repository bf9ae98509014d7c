import { circuitBreaker, type CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, handleType, isBrokenCircuitError } from 'cockatiel';
import type { ContextName } from '../app/services/topology';
import { UpstreamUnavailable } from './problems';

/** How a request to a service failed in a way its circuit counts (a 5xx answer counts too). */
export type FailureReason = 'timeout' | 'unreachable' | 'broken';

/** The service did not answer: no connection, no answer in time, or the connection broke before the answer began. */
export class UpstreamFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    cause: unknown,
  ) {
    super(`the service did not answer (${reason})`, { cause });
    this.name = 'UpstreamFailure';
  }
}

export type CircuitName = 'closed' | 'open' | 'half-open';
export type BreakerSettings = { failures: number; cooldownMs: number };

/**
 * One service behind the gateway and its circuit breaker (cockatiel): `failures` failed requests in a row —
 * no connection, no answer in time, a 5xx answer; never a 4xx — open the circuit. While open, requests to the
 * service are refused at once with 503 and a Retry-After of the seconds left until `cooldownMs` has passed; then one
 * trial request goes through (half-open, the others still refused) and its outcome closes or reopens the circuit.
 */
export class Upstream {
  private readonly breaker: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    readonly context: ContextName,
    /** scheme, host and port of the service */
    readonly baseUrl: string,
    private readonly settings: BreakerSettings,
    onCircuitChange: (upstream: Upstream, circuit: CircuitName) => void,
  ) {
    this.breaker = circuitBreaker(
      handleType(UpstreamFailure).orWhenResult((status) => typeof status === 'number' && status >= 500),
      { halfOpenAfter: settings.cooldownMs, breaker: new ConsecutiveBreaker(settings.failures) },
    );
    this.breaker.onBreak(() => (this.openedAt = Date.now()));
    this.breaker.onStateChange(() => onCircuitChange(this, this.circuit));
  }

  /**
   * The circuit's state. Cockatiel moves an open circuit to half-open only when a request comes after the cooldown;
   * one whose cooldown has passed is reported half-open already, since the next request will be its trial.
   */
  get circuit(): CircuitName {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return this.cooldownLeftMs() > 0 ? 'open' : 'half-open';
    }
  }

  /**
   * Sends a request through the circuit: `send` resolves with the status the service answered, or rejects with an
   * UpstreamFailure. Throws UpstreamUnavailable, without calling `send`, while the circuit is open or a trial
   * request is under way.
   */
  async call(send: () => Promise<number>): Promise<number> {
    const state = this.breaker.state;
    if (state === CircuitState.HalfOpen) throw new UpstreamUnavailable(1);
    if (state !== CircuitState.Closed && this.cooldownLeftMs() > 0) throw new UpstreamUnavailable(this.retryAfterS());
    try {
      return await this.breaker.execute(send);
    } catch (error) {
      if (isBrokenCircuitError(error)) throw new UpstreamUnavailable(this.retryAfterS());
      throw error;
    }
  }

  private cooldownLeftMs(): number {
    return this.openedAt + this.settings.cooldownMs - Date.now();
  }

  private retryAfterS(): number {
    return Math.max(1, Math.ceil(this.cooldownLeftMs() / 1000));
  }
}
