import { describe, expect, it } from 'vitest';
import { upstreamTimeoutMs } from './upstream-timeouts';

const timeouts = { defaultMs: 10_000, waitMarginMs: 5_000 };

describe('upstream timeouts', () => {
  it('are the default on routes that do not wait', () => {
    expect(upstreamTimeoutMs('GET /api/v1/products', 'wait=30', timeouts)).toBe(10_000);
  });

  it('cover the wait a request asks for, plus the margin, on the routes that honour Prefer: wait', () => {
    expect(upstreamTimeoutMs('POST /api/v1/checkout', 'wait=20', timeouts)).toBe(25_000);
    expect(upstreamTimeoutMs('GET /api/v1/orders/{id}', 'respond-async, wait=8', timeouts)).toBe(13_000);
    // the services cap a wait at 30 s, and so does the timeout
    expect(upstreamTimeoutMs('POST /api/v1/checkout', 'wait=600', timeouts)).toBe(35_000);
  });

  it('never fall below the default, and ignore a preference the services ignore', () => {
    expect(upstreamTimeoutMs('POST /api/v1/checkout', 'wait=1', timeouts)).toBe(10_000);
    expect(upstreamTimeoutMs('POST /api/v1/checkout', 'wait=soon', timeouts)).toBe(10_000);
    expect(upstreamTimeoutMs('POST /api/v1/checkout', undefined, timeouts)).toBe(10_000);
  });
});
