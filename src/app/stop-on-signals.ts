import type { AppLogger } from '../platform/observability/logger';
import { stopTracingBeforeExit } from './flush-traces';

/** How long a process may take to stop once asked before it exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * Stops the process on SIGINT or SIGTERM: `stop` shuts down in order what the process started, the last spans are
 * exported, and the process exits 0 (1 when `stop` failed). A second signal exits 1 at once, as does a stop that takes
 * longer than `timeoutMs`. The listeners a library put on these signals are removed first: an exit hook such as
 * async-exit-hook would exit the process as soon as its own work is done, cutting the ordered shutdown short.
 */
export const stopOnSignals = (logger: AppLogger, stop: () => Promise<void>, timeoutMs: number = SHUTDOWN_TIMEOUT_MS): void => {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      logger.warn('second signal: exiting without waiting', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    const deadline = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting', { timeoutMs });
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    try {
      await stop();
      await stopTracingBeforeExit(); // the last spans are exported before the process exits
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error('shutdown failed', { err: error });
      await stopTracingBeforeExit(); // the spans of what failed too
      process.exit(1);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
};
