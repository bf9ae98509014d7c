import { context, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import type { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { setTracingRecording } from './tracing-context';

/** The `service.name` of the spans when OTEL_SERVICE_NAME does not say. */
export const DEFAULT_SERVICE_NAME = 'orderly';

export type TracingEnv = Readonly<Record<string, string | undefined>>;

const listOf = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');

/**
 * Whether the environment asks for traces: an exporter (OTEL_TRACES_EXPORTER, not `none`) or an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is named, and OTEL_SDK_DISABLED is not `true`.
 * Off by default: nothing of the SDK is even loaded then.
 */
export const tracingWanted = (env: TracingEnv = process.env): boolean => {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = listOf(env.OTEL_TRACES_EXPORTER);
  if (exporters.includes('none')) return false;
  return exporters.length > 0 || !!env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || !!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
};

export type TracingOptions = {
  env?: TracingEnv;
  /** Where finished spans go instead of the exporter the environment names (tests): tracing starts even if it does not ask for it. */
  spanProcessors?: SpanProcessor[];
};

let sdk: NodeSDK | undefined;
/** Kept across a stop and a start: an instrumentation hooks `require` once, and is switched off and on again after. */
let instrumentations: (HttpInstrumentation | PgInstrumentation)[] | undefined;

/* The SDK with its exporters takes about a second and 60 MB to load: it is required only once tracing is on. The
   `require` is synchronous so that `startTracing` is done before the next import of the entry point runs. */
const loadSdk = () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const sdkNode = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const http = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const pg = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  /* eslint-enable @typescript-eslint/no-require-imports */
  instrumentations ??= [
    // a request the app sends itself starts no trace of its own (the exporter's requests are never traced)
    new http.HttpInstrumentation({ requireParentforOutgoingSpans: true }),
    // the consumers' polls and the scheduler's ticks would each make a trace of one query; a span per pool checkout
    // would double the spans of a transaction and say little
    new pg.PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
  ];
  return sdkNode.NodeSDK;
};

/**
 * Starts the OpenTelemetry NodeSDK when the environment asks for traces (`tracingWanted`), configured by the standard
 * OTEL_* variables (exporter and OTLP protocol, endpoint, sampler, resource; `service.name` defaults to `orderly`),
 * with the http and pg instrumentations. Traces only: metrics are Prometheus's, log lines are pino's and carry the
 * trace ids. Call it before the modules it instruments are loaded (`src/app/tracing.main.ts`). Idempotent; returns
 * whether tracing is on.
 */
export const startTracing = (options: TracingOptions = {}): boolean => {
  if (sdk) return true;
  const env = options.env ?? process.env;
  if (!options.spanProcessors && !tracingWanted(env)) return false;
  const NodeSDK = loadSdk();
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME,
    instrumentations,
    metricReaders: [],
    logRecordProcessors: [],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
  });
  sdk.start();
  setTracingRecording(true);
  // started again after a stop: the SDK registers them, but enables only those never enabled
  for (const instrumentation of instrumentations ?? []) instrumentation.enable();
  return true;
};

/** Whether `startTracing` started the SDK (and it has not been stopped since). */
export const tracingStarted = (): boolean => sdk !== undefined;

/** Exports the spans that ended and are still buffered (tests, before they read what a collector received). */
export const flushTracing = async (): Promise<void> => {
  const provider = trace.getTracerProvider();
  const delegate: object = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  if ('forceFlush' in delegate && typeof delegate.forceFlush === 'function') await (delegate.forceFlush as () => Promise<void>)();
};

/**
 * Flushes and shuts the SDK down (on exit), then unregisters it from the API and switches the instrumentations off,
 * so that tracing can be started again in the same process (tests). Does nothing while tracing is off.
 */
export const stopTracing = async (): Promise<void> => {
  const running = sdk;
  if (!running) return;
  sdk = undefined;
  setTracingRecording(false);
  try {
    await running.shutdown();
  } finally {
    for (const instrumentation of instrumentations ?? []) instrumentation.disable();
    trace.disable();
    context.disable();
    propagation.disable();
  }
};
