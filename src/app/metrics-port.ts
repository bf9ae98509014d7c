import type { Config } from '../platform/config';
import { isPortFree, trialListen } from '../platform/trial-listen';

export type MetricsPortChoice = {
  /** what the `/metrics` server is to listen on: 0 for a free port it takes as it listens; null for none */
  port: number | null;
  /** set when the default port was taken and a free one is taken instead */
  instead?: number;
};

/**
 * The port of the `/metrics` server, checked before the database starts, as the HTTP port is. A METRICS_PORT that was
 * set is kept, and refused when taken (the listen error, which `startupFailure` tells in one sentence). The default
 * gives way when it is taken (a second copy of the app on the machine) or is the HTTP port: to a free port the server
 * takes as it listens. Nothing needs to find that one again (a scraper is pointed at a set METRICS_PORT); the start
 * banner names it.
 */
export const chooseMetricsPort = async (
  config: Pick<Config, 'host' | 'port' | 'metricsPort' | 'metricsPortFixed'>,
): Promise<MetricsPortChoice> => {
  const wanted = config.metricsPort;
  if (wanted === null || wanted === 0) return { port: wanted };
  if (config.metricsPortFixed) {
    await trialListen(wanted, config.host);
    return { port: wanted };
  }
  if (wanted !== config.port && (await isPortFree(wanted, config.host))) return { port: wanted };
  return { port: 0, instead: wanted };
};
