import { describe, expect, it } from 'vitest';
import { Conflict, Unavailable } from '../shared-kernel/errors';
import { isOutage } from './outage';

describe('isOutage', () => {
  it('recognises unavailable errors and dropped connections, also wrapped as a cause or in an aggregate', () => {
    const down = new Unavailable('platform.database_unavailable');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isOutage(down)).toBe(true);
    expect(isOutage(refused)).toBe(true);
    expect(isOutage(new Error('delivery failed', { cause: down }))).toBe(true);
    expect(isOutage(new AggregateError([new Error('other'), new Error('wrapped', { cause: refused })]))).toBe(true);
  });

  it('does not take a broken rule, a plain error or a non-error for an outage', () => {
    expect(isOutage(new Conflict('inventory.insufficient_stock', 'not enough stock'))).toBe(false);
    expect(isOutage(new Error('bug', { cause: new TypeError('x is undefined') }))).toBe(false);
    expect(isOutage('down')).toBe(false);
    expect(isOutage(undefined)).toBe(false);
  });
});
