/** How a broken rule is reported; the HTTP layer maps each kind to one status, once. */
export type ErrorKind =
  | 'validation' // 400
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'payload_too_large' // 413
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

/** For rules that need no class of their own (e.g. a missing resource looked up by id). */
export class NotFound extends DomainError {
  readonly kind = 'not_found';
  constructor(
    readonly code: string,
    message = 'not found',
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

export class InvalidInput extends DomainError {
  readonly kind = 'validation';
  constructor(
    readonly code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

export class Conflict extends DomainError {
  readonly kind = 'conflict';
  constructor(
    readonly code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
  constructor(
    readonly code: string,
    message = 'forbidden',
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

export class Unauthorized extends DomainError {
  readonly kind = 'unauthorized';
  constructor(
    readonly code: string,
    message = 'authentication required',
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

export class Unavailable extends DomainError {
  readonly kind = 'unavailable';
  constructor(
    readonly code: string,
    message = 'temporarily unavailable',
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}
