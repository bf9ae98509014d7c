import { ModulesContainer } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, TestApp } from './support/app';

let t: TestApp;

beforeAll(async () => {
  t = await bootTestApp();
});
afterAll(async () => t?.close());

describe('the HTTP pipeline of the whole app', () => {
  it('answers every error as problem+json with the request id', async () => {
    const malformed = await t.inject('POST', '/api/v1/auth/login', { body: '{"email":', headers: { 'x-request-id': 'e2e-1' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
    expect(malformed.headers['x-request-id']).toBe('e2e-1');
    expect(malformed.json()).toMatchObject({ code: 'request.malformed_json', correlationId: 'e2e-1', instance: '/api/v1/auth/login' });

    const unknownRoute = await t.inject('DELETE', '/api/v1/nothing-here');
    expect(unknownRoute.statusCode).toBe(404);
    expect(unknownRoute.json().code).toBe('http.route_not_found');
  });

  it('sets security headers on API responses', async () => {
    const res = await t.inject('GET', '/api/v1/me');
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
  });

  it('serves Swagger UI with its assets from this server', async () => {
    const page = await t.inject('GET', '/api/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'init.js']) {
      expect((await t.inject('GET', `/api/docs/${asset}`)).statusCode).toBe(200);
    }
  });
});

describe('the OpenAPI document', () => {
  it('lists every controller route, each with problem+json error responses', async () => {
    const document = (await t.inject('GET', '/api/docs-json')).json();
    const operations = new Map<string, { responses: Record<string, { content?: Record<string, unknown> }>; security?: unknown[] }>();
    for (const item of Object.values(document.paths) as Record<string, never>[]) {
      for (const operation of Object.values(item) as { operationId: string }[]) operations.set(operation.operationId, operation as never);
    }

    const routes: string[] = [];
    for (const module of t.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as (new () => Record<string, unknown>) | undefined;
        if (!controller?.prototype) continue;
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = (controller.prototype as Record<string, unknown>)[name];
          if (typeof handler === 'function' && Reflect.getMetadata('method', handler) !== undefined)
            routes.push(`${controller.name}_${name}`);
        }
      }
    }

    expect(routes.length).toBeGreaterThan(3);
    for (const route of routes) {
      const operation = operations.get(route);
      expect(operation, `${route} is missing from the OpenAPI document`).toBeDefined();
      const errors = Object.entries(operation!.responses).filter(([status]) => Number(status) >= 400);
      expect(
        errors.map(([status]) => status),
        route,
      ).toEqual(expect.arrayContaining(['500']));
      for (const [status, response] of errors) {
        // the probes' 503s are plain JSON (health.controller.ts): probes read the status
        if ((route === 'HealthController_ready' || route === 'HealthController_live') && status === '503') continue;
        expect(Object.keys(response.content ?? {}), route).toEqual(['application/problem+json']);
        expect(response.content!['application/problem+json'], route).toEqual({ schema: { $ref: '#/components/schemas/Problem' } });
      }
      if (operation!.security?.length && !operation!.security.some((s) => Object.keys(s as object).length === 0))
        expect(operation!.responses, route).toHaveProperty('401');
    }
  });

  it('documents request bodies and query parameters with the schemas that validate them', async () => {
    const document = (await t.inject('GET', '/api/docs-json')).json();
    const checkout = document.paths['/api/v1/checkout'].post;
    const body = checkout.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['paymentToken', 'shippingAddress', 'shippingMethod']));
    expect(body.additionalProperties).toBe(false);
    const listed = (document.paths['/api/v1/products'].get.parameters as { name: string; in: string }[]).filter((p) => p.in === 'query');
    expect(listed.map((p) => p.name).sort()).toEqual(['category', 'cursor', 'limit']);
    // and the same schema refuses what it documents as not allowed
    const { token } = await t.registerAndLogin('customer');
    const refused = await t.inject('POST', '/api/v1/checkout', {
      token,
      headers: { 'idempotency-key': 'documented-1' },
      body: { paymentToken: 'tok_approve', shippingAddress: {}, extra: 1 },
    });
    expect(refused.statusCode).toBe(400);
  });
});
