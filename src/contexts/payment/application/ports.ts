import type { Sql } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';

export type AuthorizeRequest = { paymentId: string; amount: Money; token: string };

/** What a provider answers to an authorization. A decline is an expected outcome (data), not an exception. */
export type Authorization = { outcome: 'authorized'; providerRef: string } | { outcome: 'declined'; reason: string };

/** The provider understood the request and will not do it (e.g. capture a voided payment): retrying will not help. */
export class PaymentRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentRefused';
  }
}

/**
 * A payment service provider. Every operation is idempotent at the provider: authorize and void by payment id,
 * capture by reference (once), refund by refund id. Infrastructure failures throw; refusals throw PaymentRefused.
 */
export abstract class PaymentGateway {
  abstract authorize(request: AuthorizeRequest): Promise<Authorization>;
  abstract capture(providerRef: string, amount: Money): Promise<void>;
  /** Releases the authorization of a payment; before it is authorized, the provider remembers it and voids a late authorization. */
  abstract void(paymentId: string): Promise<void>;
  abstract refund(providerRef: string, amount: Money, refundId: string): Promise<void>;
}

/**
 * How a handler commits what it learned from the provider: once, in one transaction with the inbox row of the
 * message that asked for it (never with a transaction held open across the provider call).
 */
export type CommitOnce = (work: (tx: Sql) => Promise<void>) => Promise<unknown>;
