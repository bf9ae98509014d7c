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
 * A DomainError of one kind whose code is given where it is thrown: for rules that need no class of their own
 * (a missing resource looked up by id, an input refused at the edge).
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
export class Unavailable extends errorOfKind('unavailable', 'temporarily unavailable') {}
