import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootProbeApp, ProbeApp } from '../../../test/support/http-probe';
import { IdempotencyKeys } from './idempotency-keys';
import { API_V1 } from './request-context';

let p: ProbeApp;
let app: ProbeApp['app'];

beforeAll(async () => {
  p = await bootProbeApp();
  app = p.app;
});
afterAll(async () => p?.close());

describe('idempotency', () => {
  const url = `/${API_V1}/probe/orders`;

  it('requires the key on a route that demands it', async () => {
    const res = await p.post(url, { name: 'a', count: 1 }, { authorization: await p.bearer() });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('idempotency.key_required');
  });

  it('refuses keys longer than 255 characters', async () => {
    const res = await p.post(url, { name: 'a', count: 1 }, { authorization: await p.bearer(), 'idempotency-key': 'k'.repeat(256) });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('idempotency.key_too_long');
  });

  it('replays the first response for the same key and body', async () => {
    const headers = { authorization: await p.bearer(), 'idempotency-key': 'replay-1' };
    const first = await p.post(url, { name: 'a', count: 1 }, headers);
    const second = await p.post(url, { count: 1, name: 'a' }, headers);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.json().commandId).toBe('0190f000-0000-7000-8000-000000000001:POST /api/v1/probe/orders:replay-1');
  });

  it('scopes keys per caller', async () => {
    const a = await p.post(
      url,
      { name: 'a', count: 1 },
      { authorization: await p.bearer('customer', '0190f000-0000-7000-8000-00000000000a'), 'idempotency-key': 'shared' },
    );
    const b = await p.post(
      url,
      { name: 'a', count: 1 },
      { authorization: await p.bearer('customer', '0190f000-0000-7000-8000-00000000000b'), 'idempotency-key': 'shared' },
    );
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json().call).not.toBe(a.json().call);
  });

  it('answers 422 for the same key with a different body', async () => {
    const headers = { authorization: await p.bearer(), 'idempotency-key': 'reuse-1' };
    expect((await p.post(url, { name: 'a', count: 1 }, headers)).statusCode).toBe(201);
    const res = await p.post(url, { name: 'a', count: 2 }, headers);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('idempotency.key_reused');
  });

  it('answers 409 while the first request is in flight, then replays its response', async () => {
    const headers = { authorization: await p.bearer(), 'idempotency-key': 'slow-1' };
    const first = p.post(url, { name: 'slow', count: 1 }, headers);
    await expect.poll(() => p.probe.release).toBeDefined();
    const concurrent = await p.post(url, { name: 'slow', count: 1 }, headers);
    expect(concurrent.statusCode).toBe(409);
    expect(concurrent.json().code).toBe('idempotency.request_in_flight');
    p.probe.release!();
    p.probe.release = undefined;
    expect((await first).statusCode).toBe(201);
    const replay = await p.post(url, { name: 'slow', count: 1 }, headers);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('runs the handler once when many requests race with one key', async () => {
    const headers = { authorization: await p.bearer(), 'idempotency-key': 'race-1' };
    const calls = p.probe.calls;
    let answered = 0;
    const racing = Array.from({ length: 10 }, () => p.post(url, { name: 'slow', count: 2 }, headers).finally(() => answered++));
    await expect.poll(() => answered).toBe(9); // everyone but the winner, which waits for release()
    p.probe.release!();
    p.probe.release = undefined;
    const statuses = (await Promise.all(racing)).map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    expect(p.probe.calls).toBe(calls + 1);
  });

  it('stores domain errors for replay but forgets validation failures and server errors', async () => {
    const auth = await p.bearer();
    const taken1 = await p.post(url, { name: 'taken', count: 1 }, { authorization: auth, 'idempotency-key': 'err-409' });
    const taken2 = await p.post(url, { name: 'taken', count: 1 }, { authorization: auth, 'idempotency-key': 'err-409' });
    expect(taken1.statusCode).toBe(409);
    expect(taken2.statusCode).toBe(409);
    expect(taken2.headers['idempotent-replayed']).toBe('true');
    expect(taken2.headers['content-type']).toContain('application/problem+json');
    expect(taken2.json().code).toBe('probe.taken');

    const invalid = await p.post(url, { name: '', count: 1 }, { authorization: auth, 'idempotency-key': 'err-400' });
    expect(invalid.statusCode).toBe(400);
    const fixed = await p.post(url, { name: 'b', count: 1 }, { authorization: auth, 'idempotency-key': 'err-400' });
    expect(fixed.statusCode).toBe(201);

    const calls = p.probe.calls;
    expect((await p.post(url, { name: 'boom', count: 1 }, { authorization: auth, 'idempotency-key': 'err-500' })).statusCode).toBe(500);
    expect((await p.post(url, { name: 'boom', count: 1 }, { authorization: auth, 'idempotency-key': 'err-500' })).statusCode).toBe(500);
    expect(p.probe.calls).toBe(calls + 2);
  });

  it('lets a retry take over a key whose request crashed (lease lapsed), but not with a different body', async () => {
    const keys = app.get(IdempotencyKeys);
    const now = p.clock.now();
    expect(await keys.claim('scope-1', 'crashed', 'hash-a', now)).toEqual({ outcome: 'claimed' });
    expect(await keys.claim('scope-1', 'crashed', 'hash-a', new Date(now.getTime() + 59_000))).toEqual({ outcome: 'in_flight' });
    expect(await keys.claim('scope-1', 'crashed', 'hash-b', new Date(now.getTime() + 61_000))).toEqual({ outcome: 'mismatch' });
    expect(await keys.claim('scope-1', 'crashed', 'hash-a', new Date(now.getTime() + 61_000))).toEqual({ outcome: 'claimed' });
  });

  it('forgets stored responses after 24 hours', async () => {
    const headers = { authorization: await p.bearer(), 'idempotency-key': 'expiry-1' };
    await p.post(url, { name: 'a', count: 1 }, headers);
    p.clock.advance(24 * 60 * 60 * 1000 + 1);
    const later = await p.post(url, { name: 'a', count: 9 }, { ...headers, authorization: await p.bearer() });
    expect(later.statusCode).toBe(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
  });
});
