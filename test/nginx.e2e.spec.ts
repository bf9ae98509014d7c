import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYED_NGINX_SETTINGS, renderNginxConfig } from '../src/app/services/nginx-config';
import { findNginx, type RunningNginx, startNginx } from '../src/app/services/nginx-process';
import { freePort } from './support/processes';

/** A stand-in gateway: answers with its name and what it was sent. */
const gateway = async (name: string): Promise<{ server: Server; address: string }> => {
  const server = createServer((request, response) => {
    let size = 0;
    request.on('data', (chunk: Buffer) => (size += chunk.length));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ gateway: name, size, forwardedFor: request.headers['x-forwarded-for'] ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
};

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('nginx in front of two gateways (e2e)', () => {
  let nginx: RunningNginx;
  let first: Awaited<ReturnType<typeof gateway>>;
  let second: Awaited<ReturnType<typeof gateway>>;

  beforeAll(async () => {
    const program = findNginx();
    if (!program) throw new Error('nginx is not installed (the CI script installs it)');
    first = await gateway('first');
    second = await gateway('second');
    nginx = await startNginx({ program, host: '127.0.0.1', port: await freePort(), gateways: [first.address, second.address] });
  });

  afterAll(async () => {
    await nginx?.stop();
    for (const g of [first, second]) if (g?.server.listening) await close(g.server);
  });

  it('the committed deploy/nginx/nginx.conf is what the renderer writes', () => {
    expect(readFileSync('deploy/nginx/nginx.conf', 'utf8')).toBe(renderNginxConfig(DEPLOYED_NGINX_SETTINGS));
  });

  it('balances requests over both gateways and tells them the client address', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const body = (await (await fetch(`${nginx.url}/api/v1/products`)).json()) as { gateway: string; forwardedFor: string };
      seen.add(body.gateway);
      expect(body.forwardedFor).toBe('127.0.0.1');
    }
    expect([...seen].sort()).toEqual(['first', 'second']);
  });

  it('answers a body over the API limit itself with 413 problem+json', async () => {
    const response = await fetch(`${nginx.url}/api/v1/products`, { method: 'POST', body: 'x'.repeat(70 * 1024) });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 413, code: 'request.body_too_large' });
  });

  it('passes a body within the limit whole', async () => {
    const response = await fetch(`${nginx.url}/api/v1/products`, { method: 'POST', body: 'x'.repeat(60 * 1024) });
    expect(await response.json()).toMatchObject({ size: 60 * 1024 });
  });

  it('keeps serving through the other gateway when one stops, and answers 503 problem+json when none is left', async () => {
    await close(first.server);
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${nginx.url}/api/v1/products`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ gateway: 'second' });
    }
    await close(second.server);
    const response = await fetch(`${nginx.url}/api/v1/products`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ status: 503, code: 'gateway.unavailable' });
  });
});
