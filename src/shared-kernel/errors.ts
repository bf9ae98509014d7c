/** How a broken rule is reported; the HTTP layer maps each kind to one status, once. */
export type ErrorKind =
  | 'validation' // 400
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'unprocessable' // 422
  | 'rate_limited' // 429
  | 'unavailable'; // 503

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** Stable and machine-readable: '<context>.<snake_case>'. Clients switch on this, never on `message`. */
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A DomainError of one kind. Every error of the code base is one of the kinds below, with its code a string literal
 * written where the error is made: thrown as it is (`new NotFound('catalog.product_not_found', …)`) by a rule that
 * needs no class of its own, or passed to `super` by a named error class (`class CartNotFound extends NotFound`).
 * Never built from parts: test/problem-codes.spec.ts collects every code from the source, to check the OpenAPI
 * document lists only codes that exist.
 */
const errorOfKind = <K extends ErrorKind>(kind: K, defaultMessage: string) =>
  class extends DomainError {
    readonly kind: K = kind;
    constructor(
      readonly code: string,
      message = defaultMessage,
      details: Record<string, unknown> = {},
    ) {
      super(message, details);
    }
  };

export class NotFound extends errorOfKind('not_found', 'not found') {}
export class InvalidInput extends errorOfKind('validation', 'the input is not valid') {}
export class Conflict extends errorOfKind('conflict', 'conflict with the current state') {}
export class Forbidden extends errorOfKind('forbidden', 'forbidden') {}
export class Unauthorized extends errorOfKind('unauthorized', 'authentication required') {}
export class Unprocessable extends errorOfKind('unprocessable', 'the request cannot be carried out') {}
export class RateLimited extends errorOfKind('rate_limited', 'too many requests') {}
export class Unavailable extends errorOfKind('unavailable', 'temporarily unavailable') {}
