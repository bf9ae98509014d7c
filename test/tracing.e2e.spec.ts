import { randomBytes } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushTracing, startTracing, stopTracing } from '../src/platform/observability/tracing';
import type { LoggedIn, TestApp } from './support/app';
import { available, BACKEND_URLS } from './support/backends';
import { until } from './support/invariants';
import { type ReceivedSpan, SPAN_KIND, startOtlpReceiver } from './support/otlp-receiver';

/**
 * One checkout is one trace: the app runs over RabbitMQ (and over the in-process bus, where each subscriber reads the
 * log through a relay and takes batches) with tracing on, exporting OTLP/HTTP in JSON to a receiver in this test. The
 * checkout is sent over a real socket with the caller's `traceparent`, and every span that follows from it — the
 * HTTP request, each context's handler across the bus, the payment provider calls — shares its trace id, each hanging
 * from the span that caused it.
 */

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const SERVICE = 'orderly-tracing-e2e';
const TRACE_ENV = {
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_SERVICE_NAME: SERVICE,
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
} as const;

/** The spans the checkout must leave, each with its kind. */
const HTTP = 'POST /api/v1/checkout';
const RESERVATION = 'inventory.commands process inventory.reserve-stock.v1';
const RESERVED = 'ordering.checkout process inventory.stock-reserved.v1';
const PAYMENT = 'payment.commands process payment.authorize-payment.v1';
const CONFIRMATION = 'ordering.checkout process payment.payment-captured.v1';
const EXPECTED: Record<string, number> = {
  [HTTP]: SPAN_KIND.server,
  [RESERVATION]: SPAN_KIND.consumer,
  [RESERVED]: SPAN_KIND.consumer,
  [PAYMENT]: SPAN_KIND.consumer,
  'payment.provider authorize': SPAN_KIND.client,
  'payment.provider capture': SPAN_KIND.client,
  [CONFIRMATION]: SPAN_KIND.consumer,
  'cart.checkout process ordering.order-placed.v1': SPAN_KIND.consumer,
};

const savedEnv = { ...process.env };
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
let bootTestApp: (typeof import('./support/app.js'))['bootTestApp'];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  Object.assign(process.env, TRACE_ENV, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
  expect(startTracing()).toBe(true);
  // loaded only now: the http and pg instrumentations patch those modules as they are required
  ({ bootTestApp } = await import('./support/app.js'));
});

afterAll(async () => {
  try {
    await stopTracing();
    await receiver?.close();
  } finally {
    process.env = savedEnv;
  }
});

/** Deletes what a run left on RabbitMQ: its queues and its exchange. */
const deleteFromRabbitMq = async (queues: readonly string[], exchange: string): Promise<void> => {
  const connection = await amqpConnect(BACKEND_URLS.rabbitmq);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
};

/** With CI=true a missing RabbitMQ fails the run (global setup) instead of skipping the suite. */
const BUSES = [
  { bus: 'rabbitmq', runs: available('rabbitmq') || process.env.CI === 'true' },
  { bus: 'in-process', runs: true },
] as const;

describe.each(BUSES)('tracing over the $bus bus (e2e)', ({ bus, runs }) => {
  if (!runs) {
    it.skipIf(true)(`needs ${bus} (server not reachable)`, () => undefined);
    return;
  }
  const namespace = `e2e-tracing-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let t: TestApp | undefined;
  let cleanup = (): Promise<void> => Promise.resolve();
  let baseUrl = '';

  beforeAll(async () => {
    const { busNames } = await import('../src/app/platform.module.js');
    const { RabbitMqMessageBus } = await import('../src/platform/messaging/rabbitmq.message-bus.js');
    const { MessageBus } = await import('../src/platform/messaging/message-bus.js');
    const { SystemClock } = await import('../src/shared-kernel/clock.js');
    const broker = bus === 'rabbitmq' ? { messageBus: bus, amqpUrl: BACKEND_URLS.rabbitmq } : {};
    t = await bootTestApp({ clock: new SystemClock(), background: true, configOverrides: { ...broker, busNamespace: namespace } });
    const transport = t.get(MessageBus);
    if (transport instanceof RabbitMqMessageBus) {
      const { queues } = transport;
      cleanup = () => deleteFromRabbitMq(queues, busNames(namespace).rabbitmq.exchange);
    }
    await t.app.listen(0, '127.0.0.1');
    baseUrl = await t.app.getUrl();
  });

  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await cleanup();
    }
  });

  /** A product with stock, and a customer with it in the cart (set up through `inject`: none of it is traced). */
  const shopperWithCart = async (): Promise<LoggedIn> => {
    const admin = await t!.registerAndLogin('admin');
    const sku = `MUG-${randomBytes(6).toString('hex')}`;
    const calls: [string, string, unknown][] = [
      ['POST', '/api/v1/categories', { slug: 'mugs', name: 'Mugs' }],
      [
        'POST',
        '/api/v1/shipping-methods',
        { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } },
      ],
      ['POST', '/api/v1/products', { sku, name: `Mug ${sku}`, category: 'mugs', price: { amount: 1250, currency: 'EUR' } }],
      ['PUT', `/api/v1/inventory/${sku}`, { onHand: 5 }],
    ];
    for (const [method, url, body] of calls) {
      const res = await t!.inject(method, url, { token: admin.token, body });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }
    const customer = await t!.registerAndLogin('customer');
    const added = await t!.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 1 } });
    expect(added.statusCode, added.body).toBe(200);
    return customer;
  };

  /** The span's ancestors' names, nearest first, as far as the collected spans reach. */
  const ancestry = (span: ReceivedSpan, byId: Map<string, ReceivedSpan>): string[] => {
    const names: string[] = [];
    for (let parent = byId.get(span.parentSpanId ?? ''); parent && names.length < 50; parent = byId.get(parent.parentSpanId ?? '')) {
      names.push(parent.name);
    }
    return names;
  };

  it('makes one trace of a checkout, from the request through reservation, payment and confirmation', async () => {
    const customer = await shopperWithCart();
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');

    const response = await fetch(`${baseUrl}/api/v1/checkout`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${customer.token}`,
        'content-type': 'application/json',
        'idempotency-key': randomBytes(8).toString('hex'),
        prefer: 'wait=20',
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({ paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' }),
    });
    expect(response.status).toBe(202);
    const { orderId } = (await response.json()) as { orderId: string };
    await until('the order to be confirmed', async () => {
      const order = await t!.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token });
      return order.json<{ status: string }>().status === 'confirmed';
    });

    // spans end a moment after the effects they cover commit: flush until the trace is whole
    let spans: ReceivedSpan[] = [];
    await until(
      'every expected span of the trace, each with its parent',
      async () => {
        await flushTracing();
        spans = receiver!.spans.filter((span) => span.traceId === traceId);
        const ids = new Set(spans.map((span) => span.spanId));
        const whole = spans.every((span) => span.parentSpanId === callerSpanId || ids.has(span.parentSpanId ?? ''));
        return whole && Object.keys(EXPECTED).every((name) => spans.some((span) => span.name === name));
      },
      30_000,
      200,
    );

    expect(receiver!.refused).toEqual([]);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const named = (name: string) => spans.find((span) => span.name === name)!;
    for (const [name, kind] of Object.entries(EXPECTED)) expect({ name, kind: named(name).kind }).toEqual({ name, kind });
    expect(spans.every((span) => span.service === SERVICE)).toBe(true);

    // the request continued the caller's trace, and named its span after the route
    const request = named(HTTP);
    expect(request.parentSpanId).toBe(callerSpanId);
    expect(request.attributes['http.route']).toBe('/api/v1/checkout');
    expect(spans.filter((span) => span.parentSpanId === callerSpanId)).toEqual([request]);

    // causal order by parent links: each step hangs from the one that caused it, back to the request
    expect(ancestry(named(CONFIRMATION), byId)).toEqual([PAYMENT, RESERVED, RESERVATION, HTTP]);
    expect(ancestry(named('payment.provider authorize'), byId)).toEqual([PAYMENT, RESERVED, RESERVATION, HTTP]);
    expect(ancestry(named('payment.provider capture'), byId)).toEqual([PAYMENT, RESERVED, RESERVATION, HTTP]);
    for (const span of spans) {
      if (span === request) continue;
      expect(ancestry(span, byId).at(-1), span.name).toBe(HTTP);
      const parent = byId.get(span.parentSpanId!)!;
      expect(BigInt(parent.startTimeUnixNano) <= BigInt(span.startTimeUnixNano), `${parent.name} → ${span.name}`).toBe(true);
    }
  });
});
