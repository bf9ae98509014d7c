import { stopTracing } from '../platform/observability/tracing';

/** How long an exit waits for the last spans to leave: a collector that does not answer never holds the exit up. */
export const TRACES_FLUSH_MS = 5_000;

/**
 * Exports the spans still buffered and stops tracing, before the process exits: after a clean shutdown, and after a
 * failed start or shutdown alike (their spans show what went wrong). Resolves within `ms` whatever the exporter does,
 * and never rejects: a failed export must not change how the process exits. Nothing to do while tracing is off.
 */
export const stopTracingBeforeExit = async (ms: number = TRACES_FLUSH_MS): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([stopTracing().catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
};
