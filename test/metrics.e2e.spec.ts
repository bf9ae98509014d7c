import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogConsumers } from '../src/platform/consumers/log-consumer';
import { EventStore } from '../src/platform/event-store/event-store';
import { MessageBus } from '../src/platform/messaging/message-bus';
import { newId } from '../src/shared-kernel/ids';
import type { LoggedIn } from './support/app';
import { openShop, type Shop } from './support/order-shop';
import { metricsUrl, type Sample, samples, scrape, total } from './support/scrape';

/**
 * The `/metrics` endpoint of a booted app (its own port, never the API's) after a few requests and checkouts: the
 * counters of the contract moved by exactly what was done, labels carry templates and categories but no ids, and the
 * state gauges exist for every consumer. Counts only, never timings.
 */
describe('Prometheus metrics (e2e)', () => {
  let shop: Shop;
  let customer: LoggedIn;
  let url: string;

  beforeAll(async () => {
    shop = await openShop();
    customer = await shop.t.registerAndLogin('customer');
    url = metricsUrl(shop.t);
  });
  afterAll(() => shop?.t.close());

  const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) =>
    total(after, name, labels) - total(before, name, labels);

  it('serves /metrics on its own port only: the API port answers 404', async () => {
    expect((await shop.t.inject('GET', '/metrics')).statusCode).toBe(404);
    expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    const text = await (await fetch(url)).text();
    expect(text).toContain('# TYPE orderly_http_request_duration_seconds histogram');
    // Node's default metrics, from the process's registry
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('counts a confirmed checkout: outcome, duration, revenue, events by category, provider calls', async () => {
    const before = await scrape(url);
    const { orderId } = await shop.confirmedOrder(customer, 2);
    const after = await scrape(url);

    expect(delta(before, after, 'orderly_checkouts_total', { outcome: 'confirmed', reason: 'none' })).toBe(1);
    expect(delta(before, after, 'orderly_checkout_duration_seconds_count', { outcome: 'confirmed' })).toBe(1);
    const { total: paid } = await shop.order(orderId);
    expect(delta(before, after, 'orderly_order_revenue_minor_total', { currency: 'EUR' })).toBe(paid.amount);
    // OrderPlaced and OrderConfirmed at least; checkout and payment streams too
    expect(delta(before, after, 'orderly_events_appended_total', { category: 'ordering.order' })).toBeGreaterThanOrEqual(2);
    expect(delta(before, after, 'orderly_events_appended_total', { category: 'ordering.checkout' })).toBeGreaterThan(0);
    expect(delta(before, after, 'orderly_events_appended_total', { category: 'payment.payment' })).toBeGreaterThan(0);
    expect(delta(before, after, 'orderly_payment_provider_duration_seconds_count', { operation: 'authorize', outcome: 'ok' })).toBe(1);
    expect(delta(before, after, 'orderly_payment_provider_duration_seconds_count', { operation: 'capture', outcome: 'ok' })).toBe(1);
  });

  it('counts cancelled checkouts by reason, a refused reservation and a declined authorization', async () => {
    const before = await scrape(url);
    const scarce = await shop.stockedProduct(1);
    const tooMany = await shop.placeOrder(customer, scarce, 2);
    await shop.t.drain();
    expect((await shop.order(tooMany)).status).toBe('cancelled');
    const sku = await shop.stockedProduct();
    const declined = await shop.placeOrder(customer, sku, 1, 'tok_decline');
    await shop.t.drain();
    expect((await shop.order(declined)).status).toBe('cancelled');
    const after = await scrape(url);

    expect(delta(before, after, 'orderly_checkouts_total', { outcome: 'cancelled', reason: 'out_of_stock' })).toBe(1);
    expect(delta(before, after, 'orderly_checkouts_total', { outcome: 'cancelled', reason: 'payment_declined' })).toBe(1);
    expect(delta(before, after, 'orderly_checkouts_total', { outcome: 'confirmed' })).toBe(0);
    expect(delta(before, after, 'orderly_checkout_duration_seconds_count', { outcome: 'cancelled' })).toBe(2);
    expect(delta(before, after, 'orderly_stock_reservations_rejected_total', { reason: 'insufficient_stock' })).toBe(1);
    expect(delta(before, after, 'orderly_payment_provider_duration_seconds_count', { operation: 'authorize', outcome: 'refused' })).toBe(1);
    expect(delta(before, after, 'orderly_order_revenue_minor_total')).toBe(0);
  });

  it('times requests by route template and status, with 404s as one unmatched route', async () => {
    const { orderId } = await shop.confirmedOrder(customer, 1);
    const before = await scrape(url);
    for (let i = 0; i < 3; i++)
      expect((await shop.t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token })).statusCode).toBe(200);
    expect((await shop.t.inject('GET', `/api/v1/orders/${orderId}`)).statusCode).toBe(401);
    expect((await shop.t.inject('GET', `/no/such/${orderId}`)).statusCode).toBe(404);
    const after = await scrape(url);

    const count = 'orderly_http_request_duration_seconds_count';
    expect(delta(before, after, count, { method: 'GET', route: '/api/v1/orders/:id', status: '200' })).toBe(3);
    expect(delta(before, after, count, { method: 'GET', route: '/api/v1/orders/:id', status: '401' })).toBe(1);
    expect(delta(before, after, count, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
  });

  it('counts catalog read-cache and access-token cache lookups', async () => {
    await shop.stockedProduct();
    const before = await scrape(url);
    for (let i = 0; i < 3; i++) expect((await shop.t.inject('GET', '/api/v1/products')).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await shop.t.inject('GET', '/api/v1/cart', { token: customer.token })).statusCode).toBe(200);
    const after = await scrape(url);

    // the first read computes the list (a miss), the next two are answered from memory
    expect(delta(before, after, 'orderly_cache_requests_total', { cache: 'catalog_read', result: 'miss' })).toBe(1);
    expect(delta(before, after, 'orderly_cache_requests_total', { cache: 'catalog_read', result: 'hit' })).toBe(2);
    // the customer's token was verified before: both requests find it remembered
    expect(delta(before, after, 'orderly_cache_requests_total', { cache: 'access_token', result: 'hit' })).toBe(2);
  });

  it('reads the state gauges at scrape time: one series per consumer, the outbox, the scheduler, the pool', async () => {
    await shop.t.drain();
    const after = await scrape(url);
    const consumers = shop.t
      .get(LogConsumers)
      .registered()
      .map((c) => c.name);
    expect(consumers.length).toBeGreaterThan(3);
    for (const name of ['orderly_consumer_lag_events', 'orderly_consumer_oldest_unprocessed_age_seconds', 'orderly_dead_letters']) {
      expect(
        samples(after, name)
          .map((s) => s.labels.consumer)
          .sort(),
        name,
      ).toEqual([...consumers].sort());
    }
    // the consumers with a type filter have read everything the drain left them
    for (const { name, types } of shop.t.get(LogConsumers).registered()) {
      if (types) expect(total(after, 'orderly_consumer_lag_events', { consumer: name }), name).toBe(0);
    }
    expect(total(after, 'orderly_dead_letters')).toBe(0);
    // every consumer's counters exist from its start, at zero: Prometheus sees the first retry or dead letter
    for (const name of ['orderly_consumer_retries_total', 'orderly_dead_lettered_total']) {
      const counted = new Set(samples(after, name).map((s) => s.labels.consumer));
      expect(
        consumers.filter((consumer) => !counted.has(consumer)),
        name,
      ).toEqual([]);
    }
    expect(samples(after, 'orderly_outbox_backlog_events')).toHaveLength(1);
    expect(samples(after, 'orderly_scheduler_due_messages')).toEqual([{ name: 'orderly_scheduler_due_messages', labels: {}, value: 0 }]);
    const pool = samples(after, 'orderly_db_pool_connections').map((s) => s.labels.state);
    expect(pool.sort()).toEqual(['idle', 'total', 'waiting']);
    expect(total(after, 'orderly_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
  });

  it('never puts an id, an email or a SKU into a label', async () => {
    const all = await scrape(url);
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
    const offending = all.flatMap((s) =>
      Object.entries(s.labels).filter(([, value]) => uuid.test(value) || value.includes('@') || value.startsWith('MUG-')),
    );
    expect(offending).toEqual([]);
    const routes = new Set(samples(all, 'orderly_http_request_duration_seconds_count').map((s) => s.labels.route));
    expect([...routes].every((route) => route === 'unmatched' || route.startsWith('/'))).toBe(true);
  });

  it("counts a bus subscriber's retried deliveries under its name, with the consumers' retries", async () => {
    const bus = shop.t.get(MessageBus);
    const subscriber = 'test.flaky-subscriber';
    let calls = 0;
    await bus.subscribe(subscriber, ['test.metrics-probed.v1'], async () => {
      if (++calls === 1) throw new Error('the first delivery fails');
    });
    const before = await scrape(url);
    // its series start at zero as it subscribes
    for (const name of ['orderly_consumer_retries_total', 'orderly_dead_lettered_total'])
      expect(samples(before, name, { consumer: subscriber }), name).toEqual([{ name, labels: { consumer: subscriber }, value: 0 }]);
    // the in-process bus delivers before publish resolves: the first delivery fails, the retry succeeds
    await bus.publish([
      { id: newId(), type: 'test.metrics-probed.v1', occurredAt: new Date().toISOString(), correlationId: newId(), data: {} },
    ]);
    const after = await scrape(url);

    expect(calls).toBe(2);
    expect(delta(before, after, 'orderly_consumer_retries_total', { consumer: subscriber })).toBe(1);
    expect(delta(before, after, 'orderly_dead_lettered_total', { consumer: subscriber })).toBe(0);
  });

  // last: its consumers keep a retry pending, which `drain()` of later tests would wait for
  it('counts retried deliveries and dead-lettered events, and shows dead letters per consumer', async () => {
    const consumers = shop.t.get(LogConsumers);
    let flakyCalls = 0;
    consumers.register({
      name: 'test.flaky',
      types: ['MetricsProbed'],
      handle: async () => {
        if (++flakyCalls === 1) throw new Error('the first delivery fails');
      },
    });
    consumers.register({
      name: 'test.broken',
      types: ['MetricsProbed'],
      maxAttempts: 1,
      handle: async () => {
        throw new Error('every delivery fails');
      },
    });
    const before = await scrape(url);
    await shop.t.get(EventStore).append('test.probe-1', [{ type: 'MetricsProbed', data: {} }], {
      expectedVersion: 'any',
      meta: { commandId: newId(), correlationId: newId(), now: new Date() },
    });
    // the flaky one fails once and waits for its retry (the test's clock does not move); the broken one dead-letters
    await consumers.drain(['test.flaky', 'test.broken']);
    const after = await scrape(url);

    expect(delta(before, after, 'orderly_consumer_retries_total', { consumer: 'test.flaky' })).toBe(1);
    expect(delta(before, after, 'orderly_consumer_retries_total', { consumer: 'test.broken' })).toBe(0);
    expect(total(after, 'orderly_dead_letters', { consumer: 'test.broken' })).toBe(1);
    expect(total(after, 'orderly_dead_letters', { consumer: 'test.flaky' })).toBe(0);
    // the counter of dead letters moves as the event is moved, the gauge counts the table
    expect(delta(before, after, 'orderly_dead_lettered_total', { consumer: 'test.broken' })).toBe(1);
    expect(delta(before, after, 'orderly_dead_lettered_total', { consumer: 'test.flaky' })).toBe(0);
    expect(total(after, 'orderly_consumer_lag_events', { consumer: 'test.flaky' })).toBe(1);
    expect(total(after, 'orderly_consumer_lag_events', { consumer: 'test.broken' })).toBe(0);
    expect(delta(before, after, 'orderly_events_appended_total', { category: 'test.probe' })).toBe(1);
  });
});
