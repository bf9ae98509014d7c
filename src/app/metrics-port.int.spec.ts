import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/processes';
import { chooseMetricsPort } from './metrics-port';
import { startupFailure } from './startup-failure';

/** Another program on the port: a plain TCP server on 127.0.0.1. */
const occupy = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('chooseMetricsPort', () => {
  const host = '127.0.0.1';
  let taken: number;
  let free: number;
  let holder: Server;

  beforeAll(async () => {
    [taken, free] = [await freePort(), await freePort()];
    holder = await occupy(taken);
  });
  afterAll(() => new Promise((resolve) => holder.close(resolve)));

  it('keeps the default when it is free', async () => {
    expect(await chooseMetricsPort({ host, port: 3000, metricsPort: free, metricsPortFixed: false })).toEqual({ port: free });
  });

  it('gives a taken default up for a free port the server takes as it listens', async () => {
    expect(await chooseMetricsPort({ host, port: 3000, metricsPort: taken, metricsPortFixed: false })).toEqual({ port: 0, instead: taken });
  });

  it('gives the default up when the HTTP server is to listen on it', async () => {
    expect(await chooseMetricsPort({ host, port: free, metricsPort: free, metricsPortFixed: false })).toEqual({ port: 0, instead: free });
  });

  it('keeps a METRICS_PORT that was set, and refuses it in one sentence when it is taken', async () => {
    expect(await chooseMetricsPort({ host, port: 3000, metricsPort: free, metricsPortFixed: true })).toEqual({ port: free });
    const error: unknown = await chooseMetricsPort({ host, port: 3000, metricsPort: taken, metricsPortFixed: true }).catch(
      (e: unknown) => e,
    );
    expect(startupFailure(error, { PORT: 3000, METRICS_PORT: taken })).toBe(
      `127.0.0.1:${taken} (METRICS_PORT) is taken by another program; stop it, or set METRICS_PORT to a free port`,
    );
  });

  it('leaves a free port (0) and no metrics server (off) as they are', async () => {
    expect(await chooseMetricsPort({ host, port: 3000, metricsPort: 0, metricsPortFixed: true })).toEqual({ port: 0 });
    expect(await chooseMetricsPort({ host, port: 3000, metricsPort: null, metricsPortFixed: true })).toEqual({ port: null });
  });
});
