import { type Attributes, context, isSpanContextValid, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { LogConsumer } from '../consumers/log-consumer';
import type { RecordedEvent } from '../event-store/event-store';
import type { IntegrationMessage } from '../messaging/message-bus';
import { contextOf, NO_TRACE, type TraceCarrier, traceCarrierOf, tracingRecording, wellFormedTrace } from './tracing-context';

/* Consumer spans: what a subscriber or a log consumer does with a message or an event runs in a CONSUMER span named
   `<consumer> process <type>`, whose parent is the context the message or event was written in. The handler gets
   the item with the span's own trace context in place of the producer's, so what it appends (and what leaves from
   there) continues the trace from this span: one checkout is one trace, across the bus and across processes. */

const TRACER = 'orderly';

/** One item handled: its type, the trace context it was written in and what else describes it. */
export type Consumed = { type: string; trace: TraceCarrier; attributes: Attributes };

const startConsumerSpan = (consumer: string, item: Consumed): Span =>
  trace.getTracer(TRACER).startSpan(
    `${consumer} process ${item.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.operation.type': 'process', 'messaging.consumer.group.name': consumer, ...item.attributes },
    },
    contextOf(item.trace),
  );

/** Runs `work`; marks the spans failed with its error (and throws it on), ends them either way. */
const settle = async <T>(spans: readonly Span[], work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    for (const span of spans) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
};

const carrierOf = (span: Span): TraceCarrier => traceCarrierOf(trace.setSpan(ROOT_CONTEXT, span));

/** Without an SDK the API hands out spans of no trace: nothing to record, activate or hand on. */
const untraced = (span: Span): boolean => !isSpanContextValid(span.spanContext());

/** Runs `work` in the item's consumer span, the active one meanwhile; `work` gets the span's trace context. */
export const inConsumerSpan = <T>(consumer: string, item: Consumed, work: (trace: TraceCarrier) => Promise<T>): Promise<T> => {
  const span = startConsumerSpan(consumer, item);
  if (untraced(span)) return work(NO_TRACE);
  return context.with(trace.setSpan(ROOT_CONTEXT, span), () => settle([span], () => work(carrierOf(span))));
};

/**
 * A batch handled at once. Each item gets its consumer span, the child of its own producer, so every flow in the
 * batch stays one trace, and `work` gets each item's span context, in order. With several items, the work they share
 * (one transaction) runs in a `<consumer> process batch` span of its own, linked to every item's span.
 */
export const inConsumerSpans = <T>(
  consumer: string,
  items: readonly Consumed[],
  work: (traces: TraceCarrier[]) => Promise<T>,
): Promise<T> => {
  if (items.length === 1) return inConsumerSpan(consumer, items[0], (carrier) => work([carrier]));
  const spans = items.map((item) => startConsumerSpan(consumer, item));
  if (spans.every(untraced)) return work(spans.map(() => NO_TRACE));
  const batch = trace.getTracer(TRACER).startSpan(
    `${consumer} process batch`,
    {
      kind: SpanKind.CONSUMER,
      links: spans.map((span) => ({ context: span.spanContext() })),
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': consumer,
        'messaging.batch.message_count': items.length,
      },
    },
    ROOT_CONTEXT,
  );
  return context.with(trace.setSpan(ROOT_CONTEXT, batch), () => settle([batch, ...spans], () => work(spans.map(carrierOf))));
};

/** The item as its handler sees it: with the consumer span's trace context (unchanged while tracing is off). */
const retraced = <T extends TraceCarrier>(item: T, carrier: TraceCarrier): T => {
  if (!carrier.traceparent) return item;
  const { traceparent: _producer, tracestate: _producerState, ...rest } = item;
  return { ...rest, ...carrier } as T;
};

const consumedMessage = (system: string, message: IntegrationMessage): Consumed => ({
  type: message.type,
  trace: message,
  attributes: {
    'messaging.system': system,
    'messaging.destination.name': message.type,
    'messaging.message.id': message.id,
    'messaging.message.conversation_id': message.correlationId,
  },
});

/** A bus subscriber's handler for one message, in the message's consumer span (`system`: the transport's name). */
export const consumeMessage = (
  system: string,
  subscriber: string,
  message: IntegrationMessage,
  handle: (message: IntegrationMessage) => Promise<void>,
): Promise<void> =>
  tracingRecording()
    ? inConsumerSpan(subscriber, consumedMessage(system, message), (carrier) => handle(retraced(message, carrier)))
    : handle(message);

/** A bus subscriber's handler for a batch of messages (see `inConsumerSpans`). */
export const consumeMessages = (
  system: string,
  subscriber: string,
  messages: readonly IntegrationMessage[],
  handle: (messages: IntegrationMessage[]) => Promise<void>,
): Promise<void> =>
  tracingRecording()
    ? inConsumerSpans(
        subscriber,
        messages.map((message) => consumedMessage(system, message)),
        (carriers) => handle(messages.map((message, i) => retraced(message, carriers[i]))),
      )
    : handle([...messages]);

/** The headers that carry a message's trace context on a broker; undefined when it has none. */
export const traceHeadersOf = (message: TraceCarrier): Record<string, string> | undefined =>
  message.traceparent ? { traceparent: message.traceparent, ...(message.tracestate ? { tracestate: message.tracestate } : {}) } : undefined;

/** The message with the trace context its broker headers carry (a relay on the way may have continued the trace). */
export const withHeaderTrace = (message: IntegrationMessage, header: (name: string) => unknown): IntegrationMessage => {
  const text = (name: string): string | undefined => {
    const value = header(name);
    const found = Buffer.isBuffer(value) ? value.toString('utf8') : value;
    return typeof found === 'string' && found !== '' ? found : undefined;
  };
  const carrier = wellFormedTrace(text('traceparent'), text('tracestate'));
  return carrier.traceparent ? retraced(message, carrier) : message;
};

const consumedEvent = (event: RecordedEvent): Consumed => ({
  type: event.type,
  trace: event.metadata,
  attributes: {
    'messaging.system': 'orderly.event_log',
    'messaging.destination.name': event.stream,
    'messaging.message.id': event.metadata.eventId,
    'messaging.message.conversation_id': event.metadata.correlationId,
  },
});

const withEventTrace = (event: RecordedEvent, carrier: TraceCarrier): RecordedEvent =>
  carrier.traceparent ? { ...event, metadata: retraced(event.metadata, carrier) } : event;

/**
 * A log consumer whose handlers run in consumer spans parented from each event's metadata (the log tail hands the
 * same event objects to every consumer: a handler gets a copy with its own trace context, never a changed original).
 * A relay (the outbox) is left as it is: the bus it feeds traces each subscriber's handling.
 */
export const tracedLogConsumer = (consumer: LogConsumer): LogConsumer => {
  if (consumer.relay) return consumer;
  const { handleBatch } = consumer;
  const traced = {
    name: consumer.name,
    types: consumer.types,
    appendsNoEvents: consumer.appendsNoEvents,
    maxAttempts: consumer.maxAttempts,
    relay: consumer.relay,
    wants: consumer.wants?.bind(consumer),
    reset: consumer.reset?.bind(consumer),
    handle: (event: RecordedEvent, tx: Parameters<LogConsumer['handle']>[1]) =>
      tracingRecording()
        ? inConsumerSpan(consumer.name, consumedEvent(event), (carrier) => consumer.handle(withEventTrace(event, carrier), tx))
        : consumer.handle(event, tx),
    handleBatch:
      handleBatch &&
      ((events: RecordedEvent[], tx: Parameters<LogConsumer['handle']>[1]) =>
        tracingRecording()
          ? inConsumerSpans(consumer.name, events.map(consumedEvent), (carriers) =>
              handleBatch.call(
                consumer,
                events.map((event, i) => withEventTrace(event, carriers[i])),
                tx,
              ),
            )
          : handleBatch.call(consumer, events, tx)),
  } satisfies { [K in keyof Required<LogConsumer>]: LogConsumer[K] }; // a field added to LogConsumer must be passed on here
  return traced;
};
