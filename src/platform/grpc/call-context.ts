import { Metadata, status } from '@grpc/grpc-js';
import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { logContextFields } from '../observability/logger';
import { contextOf, currentTraceContext, type TraceCarrier, wellFormedTrace } from '../observability/tracing-context';

/* What travels with every call besides its message: the W3C trace context (`traceparent`, `tracestate`, as HTTP
   carries it) and the correlation id (`x-request-id`, as our HTTP API takes it). */

const REQUEST_ID_KEY = 'x-request-id';
/** The same rule as an incoming X-Request-Id: a safe token, else dropped. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const TRACER = 'orderly';

/** What a server learns of the call it handles, besides the request message. */
export type IncomingCall = {
  /** the caller's correlation id; absent when it sent none */
  correlationId?: string;
  /** the server span's trace context when this process traces, else the caller's as sent (NO_TRACE when none) */
  trace: TraceCarrier;
};

/** The correlation id bound to the current log context, if any. */
export const currentCorrelationId = (): string | undefined => {
  const { correlationId } = logContextFields();
  return typeof correlationId === 'string' && REQUEST_ID.test(correlationId) ? correlationId : undefined;
};

/** The metadata of an outgoing call: the client span's trace context and the correlation id. */
export const outgoingMetadata = (carrier: TraceCarrier, correlationId: string | undefined): Metadata => {
  const metadata = new Metadata({ waitForReady: false });
  if (carrier.traceparent) metadata.set('traceparent', carrier.traceparent);
  if (carrier.tracestate) metadata.set('tracestate', carrier.tracestate);
  if (correlationId && REQUEST_ID.test(correlationId)) metadata.set(REQUEST_ID_KEY, correlationId);
  return metadata;
};

const textOf = (metadata: Metadata, key: string): string | undefined => {
  const [value] = metadata.get(key);
  return typeof value === 'string' ? value : undefined;
};

/** The caller's trace context and correlation id, when they are well-formed. */
export const incomingCarrier = (metadata: Metadata): { trace: TraceCarrier; correlationId?: string } => {
  const correlationId = textOf(metadata, REQUEST_ID_KEY);
  return {
    trace: wellFormedTrace(textOf(metadata, 'traceparent'), textOf(metadata, 'tracestate')),
    ...(correlationId && REQUEST_ID.test(correlationId) ? { correlationId } : {}),
  };
};

const rpcAttributes = (service: string, method: string): Attributes => ({
  'rpc.system': 'grpc',
  'rpc.service': service,
  'rpc.method': method,
});

const fail = (span: Span, code: status, error: unknown): void => {
  span.setAttribute('rpc.grpc.status_code', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : String(error) });
};

/**
 * Runs a call in a CLIENT span `<service>/<method>` (the no-op API while tracing is off); `work` gets the span's trace
 * context for the metadata. Every failed call marks the span failed, with the status `statusOf` reads from the error.
 */
export const inClientSpan = <T>(
  service: string,
  method: string,
  work: (carrier: TraceCarrier) => Promise<T>,
  statusOf: (error: unknown) => status,
): Promise<T> =>
  trace
    .getTracer(TRACER)
    .startActiveSpan(`${service}/${method}`, { kind: SpanKind.CLIENT, attributes: rpcAttributes(service, method) }, async (span) => {
      try {
        const result = await work(currentTraceContext());
        span.setAttribute('rpc.grpc.status_code', status.OK);
        return result;
      } catch (error) {
        fail(span, statusOf(error), error);
        throw error;
      } finally {
        span.end();
      }
    });

/** Server statuses that mean the server failed (OpenTelemetry's RPC conventions); the others are the caller's business. */
const SERVER_FAILURES: ReadonlySet<status> = new Set([
  status.UNKNOWN,
  status.DEADLINE_EXCEEDED,
  status.UNIMPLEMENTED,
  status.INTERNAL,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

/**
 * Runs a call's handling in a SERVER span `<service>/<method>`, the child of the caller's span, active meanwhile;
 * `work` gets the span's trace context (the caller's as sent while this process does not trace).
 */
export const inServerSpan = <T>(
  service: string,
  method: string,
  caller: TraceCarrier,
  work: (carrier: TraceCarrier) => Promise<T>,
  statusOf: (error: unknown) => status,
): Promise<T> =>
  trace
    .getTracer(TRACER)
    .startActiveSpan(
      `${service}/${method}`,
      { kind: SpanKind.SERVER, attributes: rpcAttributes(service, method) },
      contextOf(caller),
      async (span) => {
        try {
          const own = currentTraceContext();
          const result = await work(own.traceparent ? own : caller);
          span.setAttribute('rpc.grpc.status_code', status.OK);
          return result;
        } catch (error) {
          const code = statusOf(error);
          if (SERVER_FAILURES.has(code)) fail(span, code, error);
          else span.setAttribute('rpc.grpc.status_code', code);
          throw error;
        } finally {
          span.end();
        }
      },
    );
