import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXTS, type ContextName } from '../../src/app/services/topology';
import { ownerOf } from '../../src/gateway/route-table';
import { newId } from '../../src/shared-kernel/ids';
import { type OpenApiDocument, operationsOf, urlOf } from '../support/openapi-operations';
import {
  type EchoService,
  expectProblem,
  monolithDocument,
  type Received,
  startEchoService,
  startTestGateway,
  type TestGateway,
  tokenFor,
} from './support';

/**
 * The gateway in front of stand-in services (one echo server per context): every operation of the API reaches the
 * service that owns it, with the headers the services rely on, and bodies stream both ways.
 */
const services = new Map<ContextName, EchoService>();
let gateway: TestGateway;
let admin: string;

beforeAll(async () => {
  for (const context of CONTEXTS) services.set(context, await startEchoService(context));
  gateway = await startTestGateway({ services: Object.fromEntries(services), env: { TRUSTED_PROXIES: '127.0.0.1' } });
  admin = (await tokenFor('admin')).token;
});
afterAll(async () => {
  await gateway?.close();
  for (const service of services.values()) await service.stop();
});

const lastReceivedBy = (context: ContextName): Received | undefined => services.get(context)!.received.at(-1);

describe('routing', () => {
  it('sends every operation of the API to the service that owns it, with the method, path and query as sent', async () => {
    const operations = operationsOf((await monolithDocument()) as OpenApiDocument).filter((op) => op.path.startsWith('/api/'));
    expect(operations.length).toBeGreaterThan(50);
    for (const op of operations) {
      const url = `${urlOf(op)}?probe=${newId()}`;
      const writes = op.method !== 'GET';
      const response = await fetch(`${gateway.url}${url}`, {
        method: op.method,
        headers: { authorization: `Bearer ${admin}`, ...(writes ? { 'content-type': 'application/json' } : {}) },
        ...(writes ? { body: JSON.stringify({ probe: true }) } : {}),
      });
      expect(response.status, op.route).toBe(200);
      const received = (await response.json()) as Received;
      expect({ route: op.route, service: received.service, method: received.method, url: received.url }).toEqual({
        route: op.route,
        service: ownerOf(op.path),
        method: op.method,
        url,
      });
      if (writes) expect(received.body, op.route).toBe('{"probe":true}');
    }
  });

  it('answers an unknown path or method itself with the problem+json 404 the services answer', async () => {
    const before = [...services.values()].reduce((n, s) => n + s.received.length, 0);
    const unknownPath = await fetch(`${gateway.url}/api/v1/nothing-here?x=1`);
    const body = await expectProblem(unknownPath, 404, 'http.route_not_found');
    expect(body).toMatchObject({ title: 'Not Found', detail: 'no route matches this method and path', instance: '/api/v1/nothing-here' });
    await expectProblem(await fetch(`${gateway.url}/api/v1/cart`, { method: 'PATCH' }), 404, 'http.route_not_found');
    expect([...services.values()].reduce((n, s) => n + s.received.length, 0)).toBe(before);
  });

  it('answers the routes of a context without a configured service 503, and the others as usual', async () => {
    const partial = await startTestGateway({ services: { catalog: services.get('catalog')! } });
    try {
      const refused = await fetch(`${partial.url}/api/v1/analytics/summary`, { headers: { authorization: `Bearer ${admin}` } });
      await expectProblem(refused, 503, 'gateway.upstream_unavailable');
      expect((await fetch(`${partial.url}/api/v1/products`)).status).toBe(200);
    } finally {
      await partial.close();
    }
  });
});

describe('forwarded headers', () => {
  it('creates a request id when the client sends none, and the service and the client see the same one', async () => {
    const response = await fetch(`${gateway.url}/api/v1/products`);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await response.json()) as Received).headers['x-request-id']).toBe(requestId);
  });

  it("keeps the client's well-formed request id and trace context, and its credentials, unchanged", async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const headers = {
      'x-request-id': 'client-chosen.id_1',
      traceparent,
      tracestate: 'vendor=opaque',
      authorization: `Bearer ${admin}`,
      'idempotency-key': 'key-1',
      prefer: 'wait=1',
    };
    const response = await fetch(`${gateway.url}/api/v1/orders/${newId()}`, { headers });
    expect(response.headers.get('x-request-id')).toBe('client-chosen.id_1');
    expect(((await response.json()) as Received).headers).toMatchObject(headers);
  });

  it('tells the service the client address, scheme and host a trusted proxy reported', async () => {
    const response = await fetch(`${gateway.url}/api/v1/products`, {
      headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example' },
    });
    expect(((await response.json()) as Received).headers).toMatchObject({
      // the proxy in front (the test, on a trusted address) reported 203.0.113.9 as its client: the entries before it
      // were written by that client and are not passed on
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'shop.example',
    });
  });

  it('never passes on an X-Forwarded-For from an address it does not trust: the service sees the connecting address', async () => {
    const direct = await startTestGateway({ services: { catalog: services.get('catalog')! } });
    try {
      const response = await fetch(`${direct.url}/api/v1/products`, {
        headers: { 'x-forwarded-for': '203.0.113.66', forwarded: 'for=203.0.113.66' },
      });
      const received = (await response.json()) as Received;
      expect(received.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(received.headers.forwarded).toBeUndefined();
      expect(direct.logs.filter((line) => line.msg.includes('TRUSTED_PROXIES'))).toHaveLength(1);
    } finally {
      await direct.close();
    }
  });
});

describe('bodies', () => {
  it('streams a request body through unread, byte for byte, whatever its size and type', async () => {
    const payload = randomBytes(1024 * 1024);
    const chunks = [payload.subarray(0, 300_000), payload.subarray(300_000)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(`${gateway.url}/api/v1/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/octet-stream' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const received = (await response.json()) as Received;
    expect(received.bodyBytes).toBe(payload.length);
    expect(received.bodySha256).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it("reads a login's body (its rate limit counts by email) up to what the services accept, and passes it on as it came", async () => {
    const identity = services.get('identity')!;
    const login = (body: string) =>
      fetch(`${gateway.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const sent = '{ "email": "a@example.com",\n  "password": "secret" }';
    expect(((await (await login(sent)).json()) as Received).body).toBe(sent);
    const calls = identity.received.length;
    await expectProblem(await login(`{"email":"${'x'.repeat(70 * 1024)}"}`), 413, 'request.body_too_large');
    expect(identity.received).toHaveLength(calls);
  });

  it('streams an answer back as the service writes it', async () => {
    const catalog = services.get('catalog')!;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    catalog.respond((_request, reply) => {
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.write('first part\n');
      // the rest only once the client has read the first part: a gateway that buffered answers would never get it
      void released.then(() => reply.raw.end('last part\n'));
      return reply.hijack();
    });
    try {
      const response = await fetch(`${gateway.url}/api/v1/products`);
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toBe('first part\n');
      release();
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
      expect(rest).toBe('last part\n');
    } finally {
      catalog.respond(undefined);
    }
  });
});

describe("the gateway's own routes", () => {
  it('serves the OpenAPI document the monolith serves, and Swagger UI', async () => {
    const response = await fetch(`${gateway.url}/api/docs-json`);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(await monolithDocument())));
    const ui = await fetch(`${gateway.url}/api/docs`);
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(await ui.text()).toContain('/api/docs/swagger-ui-bundle.js');
    expect(await (await fetch(`${gateway.url}/api/docs/init.js`)).text()).toContain('"/api/docs-json"');
  });

  it('answers its health probes itself', async () => {
    const before = [...services.values()].reduce((n, s) => n + s.received.length, 0);
    for (const path of ['/health/live', '/health/ready']) {
      const response = await fetch(`${gateway.url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    expect([...services.values()].reduce((n, s) => n + s.received.length, 0)).toBe(before);
  });

  it('counts the requests of each service by status on its metrics port', async () => {
    await fetch(`${gateway.url}/api/v1/categories`);
    const { host, port } = gateway.gateway.metricsAddress()!;
    const exposition = await (await fetch(`http://${host}:${port}/metrics`)).text();
    expect(exposition).toMatch(/orderly_gateway_upstream_requests_total\{upstream="catalog",status="200"\} \d+/);
    expect(exposition).toContain('orderly_gateway_circuit_state{upstream="catalog"} 0');
    expect(exposition).toContain('route="/api/v1/categories"');
    expect(lastReceivedBy('catalog')?.url).toBe('/api/v1/categories');
  });
});
