import { HttpException, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { Conflict, DomainError, InvalidInput } from '../../shared-kernel/errors';
import { WrongExpectedVersion } from '../event-store/event-store';
import { canonicalJson, requestHash } from './idempotency-keys';
import { toProblem } from './problem-details.filter';

class SlowDown extends DomainError {
  readonly kind = 'rate_limited';
  readonly code = 'test.slow_down';
}

describe('toProblem', () => {
  it('maps each DomainError kind to its status', () => {
    expect(toProblem(new InvalidInput('x.bad', 'bad', { errors: [{ path: 'a' }] })).problem).toMatchObject({
      status: 400,
      code: 'x.bad',
      errors: [{ path: 'a' }],
    });
    expect(toProblem(new Conflict('x.taken', 'taken', { id: '1' })).problem).toMatchObject({ status: 409, details: { id: '1' } });
    const limited = toProblem(new SlowDown('slow down', { retryAfterSeconds: 7 }));
    expect(limited.problem.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
  });

  it('maps version conflicts, unknown routes and unknown errors', () => {
    expect(toProblem(new WrongExpectedVersion('s', 1, 2)).problem).toMatchObject({ status: 409, code: 'concurrency.conflict' });
    expect(toProblem(new NotFoundException('Cannot GET /x')).problem).toMatchObject({ status: 404, code: 'http.route_not_found' });
    const unknown = toProblem(new Error('db password is hunter2'));
    expect(unknown).toMatchObject({ unexpected: true, problem: { status: 500, code: 'internal' } });
    expect(JSON.stringify(unknown.problem)).not.toContain('hunter2');
  });

  it('never discloses the message of a server-side HttpException', () => {
    expect(toProblem(new HttpException('pool exhausted at 10.0.0.1', 502)).problem.detail).not.toContain('10.0.0.1');
  });

  it('answers database outages with 503 and Retry-After', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toProblem(refused)).toMatchObject({ problem: { status: 503 }, headers: { 'retry-after': '5' } });
  });
});

describe('request hash', () => {
  it('ignores key order but not values', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    expect(requestHash({ a: 1, b: 2 }, { id: 'x' })).toBe(requestHash({ b: 2, a: 1 }, { id: 'x' }));
    expect(requestHash({ a: 1 }, { id: 'x' })).not.toBe(requestHash({ a: 1 }, { id: 'y' }));
  });
});
