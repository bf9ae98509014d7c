import { Writable } from 'node:stream';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LogConsumer } from '../consumers/log-consumer';
import type { RecordedEvent } from '../event-store/event-store';
import type { IntegrationMessage } from '../messaging/message-bus';
import type { Sql } from '../persistence/database';
import { AppLogger } from './logger';
import { DEFAULT_SERVICE_NAME, flushTracing, startTracing, stopTracing, tracingStarted, tracingWanted } from './tracing';
import { consumeMessage, consumeMessages, tracedLogConsumer, withHeaderTrace } from './tracing-consumers';
import { currentTraceContext, traceCarrierOf } from './tracing-context';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
const tx = {} as Sql;

/** Log lines as parsed JSON objects. */
const capturedLog = () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: AppLogger.create('info', stream), lines };
};

const message = (type: string, carrier: { traceparent?: string; tracestate?: string } = {}): IntegrationMessage => ({
  id: `m-${type}`,
  type,
  occurredAt: '2026-03-01T10:00:00.000Z',
  correlationId: `c-${type}`,
  ...carrier,
  data: { orderId: 'o-1' },
});

const event = (type: string, traceparent?: string): RecordedEvent => ({
  type,
  data: {},
  stream: 'ordering.order-1',
  version: 1,
  globalPosition: '1',
  metadata: {
    eventId: `e-${type}`,
    commandId: 'c',
    correlationId: 'k',
    occurredAt: '2026-03-01T10:00:00.000Z',
    schemaVersion: 1,
    ...(traceparent ? { traceparent } : {}),
  },
});

describe('whether tracing starts', () => {
  it('is off unless an exporter or an OTLP endpoint is named', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_SERVICE_NAME: 'shop' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'console,otlp' })).toBe(true);
  });

  it('stays off when the SDK is disabled or the exporter is none', () => {
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' })).toBe(true);
  });

  it('does not start from an environment that does not ask for it', () => {
    expect(startTracing({ env: {} })).toBe(false);
    expect(tracingStarted()).toBe(false);
  });
});

describe('while tracing is off', () => {
  it('writes no trace context and hands messages on as they came', async () => {
    expect(currentTraceContext()).toEqual({});
    const sent = message('ordering.order-placed.v1', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    let handled: IntegrationMessage | undefined;
    await consumeMessage('rabbitmq', 'cart.checkout', sent, async (m) => void (handled = m));
    expect(handled).toBe(sent);
  });

  it('writes log lines without trace ids', () => {
    const { logger, lines } = capturedLog();
    trace.getTracer('test').startActiveSpan('work', (span) => {
      logger.info('inside');
      span.end();
    });
    expect(lines[0]).not.toHaveProperty('trace_id');
  });
});

describe('while tracing is on', () => {
  const exporter = new InMemorySpanExporter();
  /** A span that ended (the processor exports once the detected resource is complete: flushed first). */
  const finished = async (name: string): Promise<ReadableSpan> => {
    await flushTracing();
    const span = exporter.getFinishedSpans().find((s) => s.name === name);
    if (!span)
      throw new Error(
        `no span ${name} among ${exporter
          .getFinishedSpans()
          .map((s) => s.name)
          .join(', ')}`,
      );
    return span;
  };
  /** A producer's span, ended, and the trace context it wrote. */
  const produced = (name: string) => {
    const span = trace.getTracer('test').startSpan(name, {}, ROOT_CONTEXT);
    span.end();
    return { span: span.spanContext(), carrier: traceCarrierOf(trace.setSpan(ROOT_CONTEXT, span)) };
  };

  beforeAll(() => {
    expect(startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] })).toBe(true);
  });
  afterAll(() => stopTracing());
  beforeEach(() => exporter.reset());

  it('puts trace_id and span_id on log lines written inside a span, and only there', () => {
    const { logger, lines } = capturedLog();
    const ids = trace.getTracer('test').startActiveSpan('work', (span) => {
      logger.child({ component: 'test' }).info('inside', { orderId: 'o-1' });
      span.end();
      return span.spanContext();
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId, component: 'test', orderId: 'o-1' });
    expect(lines[1]).not.toHaveProperty('trace_id');
    expect(lines[1]).not.toHaveProperty('span_id');
  });

  it('writes the active span into what is appended now', () => {
    const ids = trace.getTracer('test').startActiveSpan('request', (span) => {
      span.end();
      return { carrier: currentTraceContext(), span: span.spanContext() };
    });
    expect(ids.carrier.traceparent).toBe(`00-${ids.span.traceId}-${ids.span.spanId}-01`);
  });

  it('handles a message in a consumer span under its producer, and hands on the consumer span', async () => {
    const producer = produced('POST /api/v1/checkout');
    let handled: IntegrationMessage | undefined;
    await consumeMessage('rabbitmq', 'inventory.commands', message('inventory.reserve-stock.v1', producer.carrier), async (m) => {
      handled = m;
    });
    const span = await finished('inventory.commands process inventory.reserve-stock.v1');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.spanContext().traceId).toBe(producer.span.traceId);
    expect(span.parentSpanContext?.spanId).toBe(producer.span.spanId);
    expect(span.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'messaging.message.id': 'm-inventory.reserve-stock.v1' });
    expect(handled?.traceparent).toBe(`00-${producer.span.traceId}-${span.spanContext().spanId}-01`);
    expect(handled?.data).toEqual({ orderId: 'o-1' });
  });

  it('marks the consumer span failed when the handler throws, and throws on', async () => {
    const failing = consumeMessage('nats', 'payment.commands', message('payment.authorize-payment.v1'), () =>
      Promise.reject(new Error('provider down')),
    );
    await expect(failing).rejects.toThrow('provider down');
    const span = await finished('payment.commands process payment.authorize-payment.v1');
    expect(span.status.code).toBe(2); // ERROR
    expect(span.parentSpanContext).toBeUndefined(); // a message without trace context starts a trace
  });

  it('keeps every flow of a batch in its own trace and links the shared work to each', async () => {
    const [first, second] = [produced('first checkout'), produced('second checkout')];
    const batch = [message('inventory.stock-reserved.v1', first.carrier), message('payment.payment-captured.v1', second.carrier)];
    let handled: IntegrationMessage[] = [];
    await consumeMessages('orderly.in_process', 'ordering.checkout', batch, async (messages) => void (handled = messages));
    const spans = [
      await finished('ordering.checkout process inventory.stock-reserved.v1'),
      await finished('ordering.checkout process payment.payment-captured.v1'),
    ];
    expect(spans.map((s) => s.parentSpanContext?.spanId)).toEqual([first.span.spanId, second.span.spanId]);
    expect(handled.map((m) => TRACEPARENT.exec(m.traceparent!)?.slice(1))).toEqual(
      spans.map((s) => [s.spanContext().traceId, s.spanContext().spanId]),
    );
    const shared = await finished('ordering.checkout process batch');
    expect(shared.links.map((l) => l.context.spanId)).toEqual(spans.map((s) => s.spanContext().spanId));
  });

  it('takes the trace context from broker headers over the copy in the body', () => {
    const header = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const m = withHeaderTrace(
      message('cart.checkout', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }),
      (name) => (name === 'traceparent' ? Buffer.from(header) : name === 'tracestate' ? 'vendor=1' : undefined),
    );
    expect(m).toMatchObject({ traceparent: header, tracestate: 'vendor=1' });
  });

  it('drops broker headers that are no W3C trace context, and a tracestate too long to be one', () => {
    const sent = message('cart.checkout', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    for (const forged of ['00-xyz-1-01', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01\nset-cookie: x`, 'x'.repeat(10_000)]) {
      expect(withHeaderTrace(sent, (name) => (name === 'traceparent' ? forged : undefined))).toBe(sent);
    }
    const header = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const long = withHeaderTrace(sent, (name) =>
      name === 'traceparent' ? header : name === 'tracestate' ? 'v='.padEnd(5000, 'x') : undefined,
    );
    expect(long).toMatchObject({ traceparent: header });
    expect(long).not.toHaveProperty('tracestate');
  });

  it('runs a log consumer in consumer spans parented from the event metadata, on copies of the events', async () => {
    const producer = produced('PlaceOrder');
    const stored = event('CheckoutTimedOut', producer.carrier.traceparent);
    class Timeouts implements LogConsumer {
      readonly name = 'ordering.checkout-timeouts';
      seen: RecordedEvent[] = [];
      async handle(e: RecordedEvent): Promise<void> {
        this.seen.push(e);
      }
    }
    const consumer = new Timeouts();
    await tracedLogConsumer(consumer).handle(stored, tx);
    const span = await finished('ordering.checkout-timeouts process CheckoutTimedOut');
    expect(span.parentSpanContext?.spanId).toBe(producer.span.spanId);
    expect(consumer.seen[0].metadata.traceparent).toBe(`00-${producer.span.traceId}-${span.spanContext().spanId}-01`);
    expect(stored.metadata.traceparent).toBe(producer.carrier.traceparent);
  });

  it('leaves a relay to the bus untraced', () => {
    const relay: LogConsumer = { name: 'platform.outbox-publisher', relay: true, handle: () => Promise.resolve() };
    expect(tracedLogConsumer(relay)).toBe(relay);
  });

  it('names spans of service orderly, and starts again after a stop', async () => {
    expect(startTracing()).toBe(true); // already running: nothing changes
    trace.getTracer('test').startSpan('before').end();
    expect((await finished('before')).resource.attributes['service.name']).toBe(DEFAULT_SERVICE_NAME);
    await stopTracing();
    expect(tracingStarted()).toBe(false);
    const again = new InMemorySpanExporter(); // the first was shut down with the SDK
    expect(startTracing({ spanProcessors: [new SimpleSpanProcessor(again)] })).toBe(true);
    trace.getTracer('test').startSpan('after').end();
    await flushTracing();
    expect(again.getFinishedSpans().map((s) => s.name)).toEqual(['after']);
  });
});
