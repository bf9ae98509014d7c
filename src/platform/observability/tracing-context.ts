import { context, type Context, isSpanContextValid, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * The W3C trace context (`traceparent`, `tracestate`) as events, commands and messages carry it, in the global
 * propagator's format. Empty while tracing is off: nothing is written then.
 */
export type TraceCarrier = { traceparent?: string; tracestate?: string };

/** The carrier of no trace context. */
export const NO_TRACE: TraceCarrier = Object.freeze({});

/** The trace context of `ctx`'s span; empty without a valid span (always, while tracing is off). */
export const traceCarrierOf = (ctx: Context): TraceCarrier => {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return NO_TRACE;
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  if (!headers.traceparent) return NO_TRACE;
  return headers.tracestate ? { traceparent: headers.traceparent, tracestate: headers.tracestate } : { traceparent: headers.traceparent };
};

/** The active span's trace context: what an event appended or a message sent now should carry. */
export const currentTraceContext = (): TraceCarrier => traceCarrierOf(context.active());

/** The context a carrier was written in, as the parent of what follows from it; a new trace when it carries none. */
export const contextOf = (carrier: TraceCarrier, base: Context = ROOT_CONTEXT): Context =>
  carrier.traceparent ? propagation.extract(base, carrier) : base;

/**
 * Runs `work` with the context `carrier` was written in as the active one: spans it starts (a provider call) become
 * children of that context, e.g. of one message's consumer span while the batch it came in mixes several traces.
 */
export const withTraceOf = <T>(carrier: TraceCarrier, work: () => T): T =>
  carrier.traceparent ? context.with(contextOf(carrier, context.active()), work) : work();

/**
 * Tells the http instrumentation the route template of the request being handled (`/api/v1/orders/:id`): it names
 * its server span `<METHOD> <route>` and sets `http.route` when the response ends. Does nothing while tracing is off.
 */
export const nameServerSpan = (route: string | undefined): void => {
  if (!route) return;
  const rpc = getRPCMetadata(context.active());
  if (rpc?.type === RPCType.HTTP) rpc.route = route;
};
