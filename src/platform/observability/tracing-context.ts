import { context, type Context, isSpanContextValid, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * The W3C trace context (`traceparent`, `tracestate`) as events, commands and messages carry it, in the global
 * propagator's format. Empty while tracing is off: nothing is written then.
 */
export type TraceCarrier = { traceparent?: string; tracestate?: string };

/** The carrier of no trace context. */
export const NO_TRACE: TraceCarrier = Object.freeze({});

/*
 * Whether an SDK records spans (set by `startTracing`/`stopTracing`). The no-op API costs little per call, but a
 * consumer span is asked for every event of every consumer and every message: while tracing is off those paths check
 * this first and call the handler as it is.
 */
let recording = false;

/** Tells the consumer paths whether spans are recorded (tracing.ts, when it starts and stops the SDK). */
export const setTracingRecording = (on: boolean): void => {
  recording = on;
};

/** Whether spans are recorded: tracing was started and not stopped since. */
export const tracingRecording = (): boolean => recording;

/** `traceparent` as W3C Trace Context version 00 writes it; anything else from a broker's headers is dropped. */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
/** W3C caps tracestate at 32 list members; a header far longer than that is not one. */
const TRACESTATE_MAX_LENGTH = 1024;

/** The trace context of two header values, when they are well-formed; NO_TRACE when `traceparent` is not. */
export const wellFormedTrace = (traceparent: string | undefined, tracestate: string | undefined): TraceCarrier => {
  if (!traceparent || !TRACEPARENT.test(traceparent)) return NO_TRACE;
  return tracestate && tracestate.length <= TRACESTATE_MAX_LENGTH ? { traceparent, tracestate } : { traceparent };
};

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
