import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readiness } from '../src/platform/observability/health';
import { SystemClock } from '../src/shared-kernel/clock';
import { bootTestApp, type TestApp } from './support/app';

/**
 * The probes as load balancers and orchestrators call them: outside /api/v1, without credentials, never cached,
 * never counted by a rate limit, and documented. Faults (database, broker) are in readiness-faults.e2e.spec.ts,
 * stuck consumers in src/platform/observability/health.int.spec.ts.
 */

const PROBES = ['/health/live', '/health/ready'];

describe('health probes of a running app (consumers and scheduler in the background, rate limits on)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootTestApp({
      background: true,
      clock: new SystemClock(),
      env: { RATE_LIMITS: 'on', RATE_LIMIT_SEARCH: '1/1h', RATE_LIMIT_ANONYMOUS_WRITE: '1/1h' },
    });
  });
  afterAll(async () => t?.close());

  it('answers both 200 {"status":"ok"} without credentials, as plain JSON that nothing caches', async () => {
    for (const path of PROBES) {
      const res = await t.inject('GET', path);
      expect(res.statusCode, path).toBe(200);
      expect(res.json(), path).toEqual({ status: 'ok' });
      expect(res.headers['content-type'], path).toContain('application/json');
      expect(res.headers['cache-control'], path).toBe('no-store');
    }
  });

  it('answers the same whatever credentials come along (a probe is not a caller)', async () => {
    for (const path of PROBES) {
      const res = await t.inject('GET', path, { token: 'not-a-jwt' });
      expect(res.statusCode, path).toBe(200);
    }
  });

  it('lives outside /api/v1', async () => {
    for (const path of PROBES) expect((await t.inject('GET', `/api/v1${path}`)).statusCode, path).toBe(404);
  });

  it('is never counted by a rate limit, while the limits are on for the API', async () => {
    expect((await t.inject('GET', '/api/v1/search?q=mug')).statusCode).toBe(200);
    expect((await t.inject('GET', '/api/v1/search?q=mug')).statusCode).toBe(429);
    for (const path of PROBES) {
      const statuses = new Set<number>();
      for (let i = 0; i < 30; i++) {
        const res = await t.inject('GET', path);
        statuses.add(res.statusCode);
        expect(res.headers['ratelimit-limit'], path).toBeUndefined();
      }
      expect([...statuses], path).toEqual([200]);
    }
  });

  it('gives the readiness result to whoever injects it (the metrics)', async () => {
    expect(await t.get(Readiness).check()).toEqual({
      ready: true,
      checks: { database: 'ok', broker: 'ok', consumers: 'ok', scheduler: 'ok' },
    });
  });

  it('documents both probes under the tag health, with a summary and their answers', async () => {
    const document = (await t.inject('GET', '/api/docs-json')).json<{
      paths: Record<
        string,
        { get: { tags?: string[]; summary?: string; responses: Record<string, { content?: Record<string, unknown> }> } }
      >;
    }>();
    for (const path of PROBES) {
      const operation = document.paths[path]?.get;
      expect(operation, path).toBeDefined();
      expect(operation.tags, path).toEqual(['health']);
      expect(operation.summary, path).toBeTruthy();
      expect(Object.keys(operation.responses[200].content ?? {}), path).toEqual(['application/json']);
    }
    const unavailable = document.paths['/health/ready'].get.responses[503];
    expect(Object.keys(unavailable.content ?? {})).toEqual(['application/json']);
    expect(JSON.stringify(unavailable.content)).toContain('scheduler');
    // liveness fails only on a broker connection given up for good (readiness-faults.e2e.spec.ts)
    const failed = document.paths['/health/live'].get.responses[503];
    expect(Object.keys(failed.content ?? {})).toEqual(['application/json']);
  });
});

describe('health probes of an app whose scheduler does not run', () => {
  let t: TestApp;

  // without `background` the harness starts neither the consumers nor the scheduler's poller
  beforeAll(async () => {
    t = await bootTestApp();
  });
  afterAll(async () => t?.close());

  it('is alive but not ready: 503 naming only the failed check, no internals', async () => {
    expect((await t.inject('GET', '/health/live')).statusCode).toBe(200);
    const res = await t.inject('GET', '/health/ready');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', broker: 'ok', consumers: 'ok', scheduler: 'down' },
    });
  });
});
