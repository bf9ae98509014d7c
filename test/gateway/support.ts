import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { buildMonolithOpenApiDocument } from '../../src/app/openapi-document';
import { type ContextName, upstreamVariable } from '../../src/app/services/topology';
import { createGateway, type Gateway } from '../../src/gateway/gateway-server';
import { loadGatewaySettings } from '../../src/gateway/gateway-settings';
import type { ApiDocument } from '../../src/gateway/gateway-routes';
import { AccessTokens } from '../../src/platform/http/access-tokens';
import type { ApiKeyAuthenticator } from '../../src/platform/http/api-keys';
import type { AuthUser } from '../../src/platform/http/request-context';
import type { RevokedSessions } from '../../src/platform/http/revoked-sessions';
import { loadConfig } from '../../src/platform/config';
import { AppLogger } from '../../src/platform/observability/logger';
import { SystemClock } from '../../src/shared-kernel/clock';
import { newId } from '../../src/shared-kernel/ids';
import { freePort } from '../support/processes';

export const JWT_SECRET = 'gateway-test-secret-of-at-least-32-characters';

/** What an echo service received, as it answers it back. */
export type Received = {
  service: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bodyBytes: number;
  bodySha256: string;
};

type Responder = (request: FastifyRequest, reply: FastifyReply, received: Received) => unknown;

/**
 * A stand-in for a service on loopback: it answers every path and method with what it received (JSON), unless the
 * test gives it another responder; `received` lists every request it got. `stop()` closes it (connections refused),
 * `restart()` listens again on the same port.
 */
export type EchoService = {
  name: string;
  url: string;
  received: Received[];
  respond(responder: Responder | undefined): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
};

const echo: Responder = (_request, reply, received) => reply.send(received);

export const startEchoService = async (name: string): Promise<EchoService> => {
  const received: Received[] = [];
  let responder: Responder = echo;
  let port = 0;
  let server: FastifyInstance | undefined;
  const start = async () => {
    const fastify = Fastify({ logger: false, forceCloseConnections: true });
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    fastify.all('/*', async (request, reply) => {
      const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
      const entry: Received = {
        service: name,
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: body.toString('utf8'),
        bodyBytes: body.length,
        bodySha256: createHash('sha256').update(body).digest('hex'),
      };
      received.push(entry);
      return responder(request, reply, entry);
    });
    await fastify.listen({ port, host: '127.0.0.1' });
    port = (fastify.server.address() as AddressInfo).port;
    server = fastify;
  };
  await start();
  return {
    name,
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    received,
    respond: (next) => void (responder = next ?? echo),
    stop: async () => {
      await server?.close();
      server = undefined;
    },
    restart: start,
  };
};

let document: Promise<ApiDocument> | undefined;
/** The monolith's document, built once per test file. */
export const monolithDocument = (): Promise<ApiDocument> => (document ??= buildMonolithOpenApiDocument());

export type LogLine = { level: string; msg: string; [field: string]: unknown };

export type TestGateway = { url: string; gateway: Gateway; logs: LogLine[]; close(): Promise<void> };

export type GatewayOptions = {
  /** the services by context: their base URL goes into UPSTREAM_<CONTEXT> */
  services?: Partial<Record<ContextName, { url: string }>>;
  env?: Record<string, string>;
  redis?: Redis | null;
  apiKeys?: ApiKeyAuthenticator | null;
  revokedSessions?: RevokedSessions | null;
};

/** A gateway on a free loopback port (and a free metrics port), its log lines kept for the test to read. */
export const startTestGateway = async (options: GatewayOptions = {}): Promise<TestGateway> => {
  const upstreams = Object.fromEntries(
    Object.entries(options.services ?? {}).map(([context, service]) => [upstreamVariable(context as ContextName), service.url]),
  );
  const settings = loadGatewaySettings({
    JWT_SECRET,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    RATE_LIMITS: 'off',
    ...upstreams,
    ...options.env,
  });
  const logs: LogLine[] = [];
  const logger = AppLogger.create('debug', { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const gateway = await createGateway({
    settings,
    document: await monolithDocument(),
    logger,
    redis: options.redis ?? null,
    apiKeys: options.apiKeys ?? null,
    revokedSessions: options.revokedSessions ?? null,
  });
  const url = await gateway.listen();
  return { url, gateway, logs, close: () => gateway.close() };
};

/** Access tokens as identity signs them, with the services' secret. */
export const accessTokens = () => new AccessTokens(loadConfig({ JWT_SECRET }), new SystemClock());

/** A valid access token of a new session for a new user of `role`. */
export const tokenFor = async (
  role: AuthUser['role'] = 'customer',
  sessionId = newId(),
): Promise<{ token: string; user: AuthUser; sessionId: string }> => {
  const user: AuthUser = { id: newId(), email: `gw-${newId()}@example.com`, role };
  const { token } = await accessTokens().sign(user, sessionId);
  return { token, user, sessionId };
};

/** A problem+json answer with `status` and `code`, as the services' exception filter writes them. */
export const expectProblem = async (response: Response, status: number, code: string): Promise<Record<string, unknown>> => {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `urn:orderly:problem:${code}` });
  expect(body.correlationId).toBe(response.headers.get('x-request-id'));
  return body;
};
