import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { AppLogger } from './logger';
import type { Metrics } from './metrics';

export const METRICS_PATH = '/metrics';
/** Connections still open this long after the server stopped accepting (a scraper's keep-alive) are closed. */
const CLOSE_GRACE_MS = 2_000;

export type MetricsServerOptions = {
  host: string;
  /** 0: a free port; null: no server (METRICS_PORT=off). */
  port: number | null;
  logger: AppLogger;
};

/**
 * `GET /metrics` in Prometheus' text format, on a port of its own (`METRICS_PORT`, on `HOST`): the API port never
 * answers it, so the metrics stay behind whatever guards the scrape network, however the API is exposed. A plain
 * `node:http` server: one route, none of the API's pipeline (auth, rate limits, problem+json). Started with the HTTP
 * app (`prepareHttpApp`), stopped when the app closes.
 */
export class MetricsServer implements OnApplicationShutdown {
  private server?: Server;

  constructor(
    private readonly metrics: Metrics,
    private readonly options: MetricsServerOptions,
  ) {}

  async start(): Promise<void> {
    if (this.server || this.options.port === null) return;
    const server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port!, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { port } = this.address()!;
    this.options.logger.info('metrics server listening', { host: this.options.host, port, path: METRICS_PATH });
  }

  /** Where it listens (the port chosen when METRICS_PORT=0); undefined when it does not. */
  address(): { host: string; port: number } | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? { host: this.options.host, port: address.port } : undefined;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const lingering = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(lingering);
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== METRICS_PATH) return plain(response, 404, 'not found: metrics are at /metrics\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return plain(response, 405, 'method not allowed\n');
    }
    try {
      const { contentType, body } = await this.metrics.exposition();
      response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      this.options.logger.error('collecting the metrics failed', { err: error });
      plain(response, 500, 'collecting the metrics failed\n');
    }
  }
}

const plain = (response: ServerResponse, status: number, text: string): void => {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
};
