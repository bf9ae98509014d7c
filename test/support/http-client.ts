import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';

/**
 * A small HTTP client for a running Orderly deployment, over fetch: JSON in and out, a Bearer token, a fresh
 * Idempotency-Key on every write, an X-Request-Id on every request (named in failure messages, so a failing journey
 * can be found in the servers' logs) and `Prefer: wait=N` where a route honours it. Every request has a deadline.
 */

export type Json = Record<string, unknown>;

export type ApiReply<T = Json> = {
  method: string;
  path: string;
  status: number;
  /** the parsed JSON body; `{ text }` for a body that is not JSON (e.g. a proxy's error page), `{}` when empty */
  body: T;
  headers: Headers;
  requestId: string;
};

export type RequestOptions = {
  token?: string;
  /** sent as JSON */
  body?: unknown;
  /** sent as is, with `headers` (signed webhooks: the signature covers these exact bytes) */
  rawBody?: string;
  /** the Idempotency-Key of a write; a fresh one when absent */
  idempotencyKey?: string;
  /** `Prefer: wait=N` in seconds: the answer comes once the awaited outcome is there, or after N seconds */
  waitS?: number;
  headers?: Record<string, string>;
};

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** A request that takes longer than this is a failure, not a wait: waits are asked for with `Prefer: wait`. */
const REQUEST_DEADLINE_MS = 15_000;

const parse = (text: string): unknown => {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return { text: text.slice(0, 2000) };
  }
};

/** A client for the API under `baseUrl` (the deployment's origin, e.g. `http://127.0.0.1:8080`; routes live under /api/v1). */
export const apiClient = (baseUrl: string) => {
  const root = `${baseUrl.replace(/\/+$/, '')}/api/v1`;

  const send = async <T = Json>(method: string, path: string, options: RequestOptions = {}): Promise<ApiReply<T>> => {
    const requestId = `journey-${randomUUID()}`;
    const headers: Record<string, string> = {
      'x-request-id': requestId,
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(WRITES.has(method) ? { 'idempotency-key': options.idempotencyKey ?? randomUUID() } : {}),
      ...(options.waitS !== undefined ? { prefer: `wait=${options.waitS}` } : {}),
      ...options.headers,
    };
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const deadlineMs = REQUEST_DEADLINE_MS + (options.waitS ?? 0) * 1000;
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, { method, headers, body, signal: AbortSignal.timeout(deadlineMs) });
    } catch (error) {
      throw new Error(`${method} ${path} (request ${requestId}) got no answer within ${deadlineMs} ms: ${String(error)}`, { cause: error });
    }
    return { method, path, status: res.status, body: parse(await res.text()) as T, headers: res.headers, requestId };
  };

  return {
    send,
    get: <T = Json>(path: string, options?: RequestOptions) => send<T>('GET', path, options),
    post: <T = Json>(path: string, options?: RequestOptions) => send<T>('POST', path, options),
    put: <T = Json>(path: string, options?: RequestOptions) => send<T>('PUT', path, options),
  };
};

export type ApiClient = ReturnType<typeof apiClient>;

/** One line for a failure message: the request, its id, the status and the start of the body. */
export const describeReply = (reply: ApiReply<unknown>): string =>
  `${reply.method} ${reply.path} → ${reply.status} (request ${reply.requestId}): ${JSON.stringify(reply.body).slice(0, 600)}`;

/** Asserts the status and returns the body. */
export const expectStatus = <T>(reply: ApiReply<T>, status: number): T => {
  expect(reply.status, describeReply(reply)).toBe(status);
  return reply.body;
};

export type Eventually = { timeoutMs?: number; intervalMs?: number };

/** How long a journey waits for anything the deployment does in the background. */
export const WAIT_MS = 30_000;

/**
 * Reads until `accepted` holds for what was read, at most `timeoutMs` (30 s): for outcomes that no route can be
 * asked to wait for. On timeout the error names what was awaited and what was read last.
 */
export const eventually = async <T>(
  what: string,
  read: () => Promise<T>,
  accepted: (value: T) => boolean,
  { timeoutMs = WAIT_MS, intervalMs = 200 }: Eventually = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accepted(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`waited ${timeoutMs / 1000} s for ${what}; last seen: ${JSON.stringify(value).slice(0, 1500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};

/** A tag for the names one journey creates (category, method, SKUs, emails), unique across runs on one deployment. */
export const uniqueTag = (): string => `${Date.now().toString(36)}${randomUUID().slice(0, 8)}`;
