import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing, stopTracing, tracingStarted } from '../platform/observability/tracing';
import { stopTracingBeforeExit } from './flush-traces';

/** Keeps what it is sent, also after shutdown (the SDK's in-memory exporter forgets it then). */
class KeepingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

/** A collector that never answers: its shutdown never ends. */
const stuck: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: async () => undefined,
  shutdown: () => new Promise<void>(() => undefined),
};

describe('stopTracingBeforeExit', () => {
  afterEach(() => stopTracing());

  it('exports the spans still buffered and stops tracing', async () => {
    const exporter = new KeepingExporter();
    // buffered for an hour: only the flush at exit sends the span
    startTracing({ spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 3_600_000 })] });
    trace.getTracer('test').startSpan('startup failed', {}, ROOT_CONTEXT).end();
    expect(exporter.spans).toEqual([]);

    await stopTracingBeforeExit();
    expect(exporter.spans.map((s) => s.name)).toEqual(['startup failed']);
    expect(tracingStarted()).toBe(false);
  });

  it('gives up on an export that does not end, without failing', async () => {
    startTracing({ spanProcessors: [stuck] });
    trace.getTracer('test').startSpan('lost', {}, ROOT_CONTEXT).end();
    await expect(stopTracingBeforeExit(100)).resolves.toBeUndefined();
  });

  it('does nothing while tracing is off', async () => {
    expect(tracingStarted()).toBe(false);
    await expect(stopTracingBeforeExit()).resolves.toBeUndefined();
  });
});
