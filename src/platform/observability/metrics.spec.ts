import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { Metrics, streamCategory } from './metrics';
import { observeHttpRequests, UNMATCHED_ROUTE } from './metrics.http';

const valueOf = async (metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> => {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
};

describe('streamCategory', () => {
  it('is the stream name before the first dash, never its id', () => {
    expect(streamCategory('ordering.order-0190f000-0000-7000-8000-000000000001')).toBe('ordering.order');
    expect(streamCategory('inventory.stock-MUG-123')).toBe('inventory.stock');
    expect(streamCategory('platform')).toBe('platform');
  });
});

describe('Metrics', () => {
  it('counts appended events by stream category', async () => {
    const metrics = new Metrics();
    metrics.countAppended([{ stream: 'ordering.order-1' }, { stream: 'ordering.order-2' }, { stream: 'payment.payment-1' }]);
    expect(await valueOf(metrics, 'orderly_events_appended_total', { category: 'ordering.order' })).toBe(2);
    expect(await valueOf(metrics, 'orderly_events_appended_total', { category: 'payment.payment' })).toBe(1);
  });

  it('adds what the hot paths counted when the registry is read, once: a second read adds nothing more', async () => {
    const metrics = new Metrics();
    const catalog = metrics.cacheLookups('catalog_read');
    for (const hit of [true, true, false]) catalog(hit);
    metrics.countAppended([{ stream: 'ordering.order-1' }, { stream: 'ordering.order-1' }, { stream: 'ordering.checkout-1' }]);
    const first = await metrics.exposition();
    expect(first.body).toMatch(/^orderly_cache_requests_total\{cache="catalog_read",result="hit"\} 2$/m);
    expect(first.body).toMatch(/^orderly_cache_requests_total\{cache="catalog_read",result="miss"\} 1$/m);
    expect(first.body).toMatch(/^orderly_events_appended_total\{category="ordering.order"\} 2$/m);
    catalog(false);
    metrics.countAppended([{ stream: 'ordering.order-2' }]);
    const second = await metrics.exposition();
    expect(second.body).toMatch(/^orderly_cache_requests_total\{cache="catalog_read",result="hit"\} 2$/m);
    expect(second.body).toMatch(/^orderly_cache_requests_total\{cache="catalog_read",result="miss"\} 2$/m);
    expect(second.body).toMatch(/^orderly_events_appended_total\{category="ordering.order"\} 3$/m);
    expect(second.body).toMatch(/^orderly_events_appended_total\{category="ordering.checkout"\} 1$/m);
  });

  it('keeps apps apart: each has its own registry, and both show the process metrics', async () => {
    const one = new Metrics();
    const other = new Metrics();
    one.cacheLookups('catalog_read')(true);
    expect(await valueOf(one, 'orderly_cache_requests_total', { cache: 'catalog_read', result: 'hit' })).toBe(1);
    expect(await valueOf(other, 'orderly_cache_requests_total', {})).toBe(0);
    for (const metrics of [one, other]) {
      const { body, contentType } = await metrics.exposition();
      expect(contentType).toMatch(/^text\/plain/);
      expect(body).toMatch(/^process_resident_memory_bytes /m);
      expect(body).toContain('# TYPE orderly_checkouts_total counter');
    }
  });

  it('computes scraped gauges when the registry is read', async () => {
    const metrics = new Metrics();
    let reads = 0;
    metrics.scrapedGauge('orderly_test_reads', 'reads so far', [], (gauge) => gauge.set(++reads));
    await metrics.exposition();
    const { body } = await metrics.exposition();
    expect(body).toMatch(/^orderly_test_reads 2$/m);
  });
});

describe('observeHttpRequests', () => {
  it('labels requests with the route template and status, and requests no route matched as unmatched', async () => {
    const metrics = new Metrics();
    const fastify = Fastify();
    observeHttpRequests(fastify, metrics);
    fastify.get('/api/v1/orders/:id', async () => ({ ok: true }));
    fastify.get('/api/v1/boom', async () => {
      throw new Error('boom');
    });
    await fastify.ready();
    await fastify.inject({ method: 'GET', url: '/api/v1/orders/0190f000-0000-7000-8000-000000000001' });
    await fastify.inject({ method: 'GET', url: '/api/v1/orders/another-id' });
    await fastify.inject({ method: 'GET', url: '/api/v1/boom' });
    await fastify.inject({ method: 'GET', url: '/nowhere/0190f000' });
    await fastify.inject({ method: 'PROPFIND', url: '/api/v1/orders/x' });
    await fastify.close();

    const count = 'orderly_http_request_duration_seconds_count';
    const series = (await metrics.registry.getSingleMetric('orderly_http_request_duration_seconds')!.get()).values.filter(
      (v) => (v as { metricName?: string }).metricName === count,
    );
    expect(series.map((v) => ({ ...v.labels, count: v.value }))).toEqual(
      expect.arrayContaining([
        { method: 'GET', route: '/api/v1/orders/:id', status: '200', count: 2 },
        { method: 'GET', route: '/api/v1/boom', status: '500', count: 1 },
        { method: 'GET', route: UNMATCHED_ROUTE, status: '404', count: 1 },
        { method: 'other', route: UNMATCHED_ROUTE, status: '404', count: 1 },
      ]),
    );
    expect(series).toHaveLength(4);
  });
});

describe('METRICS_PORT', () => {
  const load = (value?: string) =>
    loadConfig({
      DATABASE_URL: 'postgres://localhost/orderly',
      JWT_SECRET: 'x'.repeat(32),
      ...(value === undefined ? {} : { METRICS_PORT: value }),
    }).metricsPort;

  it('defaults to 9464; 0 asks for a free port; off turns the metrics server off', () => {
    expect(load()).toBe(9464);
    expect(load('9100')).toBe(9100);
    expect(load('0')).toBe(0);
    expect(load('off')).toBeNull();
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => load('70000')).toThrow(/METRICS_PORT/);
    expect(() => load('on')).toThrow(/METRICS_PORT/);
  });
});
