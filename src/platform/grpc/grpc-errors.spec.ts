import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  Conflict,
  DomainError,
  type ErrorKind,
  Forbidden,
  InvalidInput,
  NotFound,
  RateLimited,
  Unauthorized,
  Unavailable,
  Unprocessable,
} from '../../shared-kernel/errors';
import { WrongExpectedVersion } from '../event-store/event-store';
import { toProblem } from '../http/problem-details.filter';
import { isOutage } from '../outage';
import { errorOfFailedCall, failureAnswer, GrpcCallFailed, MAX_PROBLEM_BYTES, PROBLEM_METADATA_KEY, problemOf } from './grpc-errors';

const METHOD = '/orderly.test.v1.Echo/Echo';

/** What the client receives for what the server answered. */
const received = (answer: { code: status; details: string; metadata: Metadata }): ServiceError =>
  Object.assign(new Error(`${answer.code} ${status[answer.code]}: ${answer.details}`), answer);

const roundTrip = (error: unknown): Error => errorOfFailedCall(received(failureAnswer(error)), METHOD);

const withProblem = (code: status, value: string | Buffer): ServiceError => {
  const metadata = new Metadata();
  metadata.set(PROBLEM_METADATA_KEY, Buffer.isBuffer(value) ? value : Buffer.from(value));
  return received({ code, details: 'refused', metadata });
};

describe('a DomainError across a call', () => {
  const errors: [DomainError, status, new (...args: never[]) => DomainError][] = [
    [
      new InvalidInput('shipping.invalid_dispatch_request', 'the dispatch request is not valid', { fields: ['orderId'] }),
      status.INVALID_ARGUMENT,
      InvalidInput,
    ],
    [new Unauthorized('auth.invalid_api_key'), status.UNAUTHENTICATED, Unauthorized],
    [new Forbidden('auth.forbidden', 'not yours'), status.PERMISSION_DENIED, Forbidden],
    [new NotFound('cart.cart_not_found', 'no such cart', { cartId: 'c-1' }), status.NOT_FOUND, NotFound],
    [new Conflict('shipping.already_dispatched', 'dispatched before', { orderId: 'o-1' }), status.ABORTED, Conflict],
    [new Unprocessable('shipping.unknown_carrier', 'no such carrier'), status.FAILED_PRECONDITION, Unprocessable],
    [new RateLimited('request.rate_limited', 'slow down', { retryAfterSeconds: 3 }), status.RESOURCE_EXHAUSTED, RateLimited],
    [new Unavailable('platform.database_unavailable', 'the database is not reachable'), status.UNAVAILABLE, Unavailable],
  ];

  it.each(errors)('%s crosses as its status and is thrown again as the same problem', (error, expectedStatus, kindClass) => {
    const answer = failureAnswer(error);
    expect(answer).toMatchObject({
      code: expectedStatus,
      details: error.message,
      failure: error.kind === 'unavailable' ? 'outage' : 'rule',
    });
    expect(problemOf(answer.metadata)).toEqual({ kind: error.kind, code: error.code, message: error.message, details: error.details });

    const thrown = roundTrip(error) as DomainError;
    expect(thrown).toBeInstanceOf(kindClass);
    expect({ kind: thrown.kind, code: thrown.code, message: thrown.message, details: thrown.details }).toEqual({
      kind: error.kind,
      code: error.code,
      message: error.message,
      details: error.details,
    });
    expect(toProblem(thrown)).toEqual(toProblem(error));
  });

  it('keeps details of any text and shape (money, lists, accents) as JSON gives them', () => {
    const details = {
      lines: [{ sku: 'TÉ-1', cartPrice: { amount: 2500, currency: 'EUR' }, currentPrice: { amount: 2700, currency: 'EUR' } }],
      note: 'Grüße, 東京 ✓',
      at: new Date('2026-03-01T10:00:00Z'),
    };
    const thrown = roundTrip(new Conflict('cart.price_changed', 'prices changed', details)) as DomainError;
    expect(thrown.details).toEqual({ ...details, at: '2026-03-01T10:00:00.000Z' });
  });

  it('drops the details of a problem too large for the trailers, keeping its kind, code and message', () => {
    const huge = new Conflict('cart.price_changed', 'prices changed', { blob: 'x'.repeat(MAX_PROBLEM_BYTES) });
    const thrown = roundTrip(huge) as DomainError;
    expect(thrown).toMatchObject({ kind: 'conflict', code: 'cart.price_changed', message: 'prices changed', details: {} });
  });
});

describe('other failures of the server', () => {
  it('a lost race is answered as the HTTP layer answers it: 409 concurrency.conflict', () => {
    for (const error of [
      new WrongExpectedVersion('cart.cart-1', 3, 4),
      Object.assign(new Error('could not serialize'), { code: '40001' }),
    ]) {
      expect(failureAnswer(error)).toMatchObject({ code: status.ABORTED, failure: 'rule' });
      expect(roundTrip(error)).toMatchObject({ kind: 'conflict', code: 'concurrency.conflict' });
    }
  });

  it('an outage (a connection error) is UNAVAILABLE, and the caller gets an outage', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(failureAnswer(refused)).toMatchObject({ code: status.UNAVAILABLE, details: 'a dependency is unavailable', failure: 'outage' });
    const thrown = roundTrip(refused);
    expect(thrown).toMatchObject({ kind: 'unavailable', code: 'service.unavailable' });
    expect(isOutage(thrown)).toBe(true);
  });

  it('anything else is INTERNAL, its message kept from the caller', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'secret-column')");
    const answer = failureAnswer(bug);
    expect(answer).toMatchObject({ code: status.INTERNAL, details: 'internal error', failure: 'bug' });
    expect(answer.metadata.getMap()).toEqual({});
    const thrown = roundTrip(bug);
    expect(thrown).toBeInstanceOf(GrpcCallFailed);
    expect(thrown).not.toBeInstanceOf(DomainError);
    expect(thrown.message).toBe(`gRPC call ${METHOD} failed with status INTERNAL`);
    expect(JSON.stringify(toProblem(thrown))).not.toContain('secret-column');
    expect(toProblem(thrown).problem).toMatchObject({ status: 500, code: 'internal' });
  });
});

describe('what the client makes of a failed call', () => {
  it('a peer down, too slow or gone during the call is Unavailable (503), the call failure its cause', () => {
    for (const code of [status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED]) {
      const failure = received({ code, details: 'No connection established', metadata: new Metadata() });
      const thrown = errorOfFailedCall(failure, METHOD);
      expect(thrown).toBeInstanceOf(Unavailable);
      expect(thrown).toMatchObject({ kind: 'unavailable', code: 'service.unavailable', cause: failure });
      expect(toProblem(thrown).problem).toMatchObject({ status: 503, code: 'service.unavailable' });
      expect(isOutage(thrown)).toBe(true);
    }
  });

  it('any other status without a problem is GrpcCallFailed, never a DomainError', () => {
    for (const code of [status.INTERNAL, status.UNIMPLEMENTED, status.UNKNOWN, status.RESOURCE_EXHAUSTED, status.DATA_LOSS]) {
      const thrown = errorOfFailedCall(received({ code, details: 'boom', metadata: new Metadata() }), METHOD);
      expect(thrown).toBeInstanceOf(GrpcCallFailed);
      expect((thrown as GrpcCallFailed).grpcStatus).toBe(code);
      expect(isOutage(thrown)).toBe(false);
    }
  });

  it('a problem that is not one of ours (malformed, unknown kind, not JSON) is not trusted', () => {
    const valid = { kind: 'conflict', code: 'cart.price_changed', message: 'm', details: {} };
    for (const value of [
      'not json',
      JSON.stringify({ ...valid, kind: 'teapot' }),
      JSON.stringify({ ...valid, code: 42 }),
      JSON.stringify({ ...valid, details: ['a'] }),
      JSON.stringify([valid]),
    ]) {
      expect(errorOfFailedCall(withProblem(status.ABORTED, value), METHOD)).toBeInstanceOf(GrpcCallFailed);
    }
    expect(errorOfFailedCall(withProblem(status.ABORTED, JSON.stringify(valid)), METHOD)).toBeInstanceOf(Conflict);
  });

  it('the problem decides the error, whatever the status says', () => {
    const kinds: ErrorKind[] = ['not_found', 'unavailable'];
    for (const kind of kinds) {
      const problem = { kind, code: 'inventory.sku_not_found', message: 'm', details: {} };
      expect(errorOfFailedCall(withProblem(status.UNKNOWN, JSON.stringify(problem)), METHOD)).toMatchObject({ kind });
    }
  });
});
