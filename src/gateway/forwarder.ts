import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem } from '../platform/http/problem-details.filter';
import { forwardingHeaders } from './forwarding-headers';
import type { GatewayRoute } from './gateway-routes';
import { sendProblem, upstreamFailed, upstreamTimeout, UpstreamUnavailable } from './problems';
import { upstreamTimeoutMs, type UpstreamTimeouts } from './upstream-timeouts';
import { type FailureReason, type Upstream, UpstreamFailure } from './upstreams';

type CodedError = Error & { code?: string; cause?: { code?: string } };

/** undici's and reply-from's codes for a service that did not answer in time, or could not be reached at all. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'FST_REPLY_FROM_GATEWAY_TIMEOUT', 'FST_REPLY_FROM_TIMEOUT']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

const reasonOf = (error: CodedError): FailureReason => {
  const codes = [error.code, error.cause?.code];
  if (codes.some((code) => code !== undefined && TIMEOUT_CODES.has(code))) return 'timeout';
  if (codes.some((code) => code !== undefined && UNREACHABLE_CODES.has(code))) return 'unreachable';
  return 'broken';
};

/** The client went away before the service answered: no outcome to count for or against the service. */
const CLIENT_GONE = 0;

/**
 * Sends a request on to the service that owns its route (@fastify/reply-from over undici) through the service's
 * circuit, and streams the answer back as it comes, whatever its status. The body streams through unread, unless the
 * gateway had to read it (`body`), which then goes on byte for byte. Nothing is retried: a request may have had its
 * effect when its answer was lost. Failures are answered as problem+json: no answer in time (the route's timeout,
 * see upstream-timeouts.ts) 504 `gateway.upstream_timeout`, no connection 503 `gateway.upstream_unavailable`, a
 * connection broken before the answer began 502 `gateway.upstream_failed`.
 */
export class Forwarder {
  constructor(private readonly timeouts: UpstreamTimeouts) {}

  async forward(request: FastifyRequest, reply: FastifyReply, route: GatewayRoute, upstream: Upstream, body?: Buffer): Promise<void> {
    try {
      await upstream.call(() => this.send(request, reply, route, upstream, body));
    } catch (error) {
      if (!(error instanceof UpstreamFailure)) throw error;
      if (reply.sent || reply.raw.headersSent) return;
      if (error.reason === 'unreachable') throw new UpstreamUnavailable();
      sendProblem(request, reply, error.reason === 'timeout' ? upstreamTimeout() : upstreamFailed());
    }
  }

  /** Resolves with the status the service answered once its answer has begun; rejects with an UpstreamFailure. */
  private send(request: FastifyRequest, reply: FastifyReply, route: GatewayRoute, upstream: Upstream, body?: Buffer): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      reply.raw.once('close', () => resolve(CLIENT_GONE));
      const path = request.url.split('?')[0];
      try {
        reply.from(path, {
          getUpstream: () => upstream.baseUrl,
          rewriteRequestHeaders: forwardingHeaders,
          timeout: upstreamTimeoutMs(route.route, request.headers.prefer as string | undefined, this.timeouts),
          // never retried here: the circuit decides, and a write may have taken effect
          retryDelay: () => null,
          ...(body ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' } : {}),
          onResponse: (_request, _reply, response) => {
            resolve(response.statusCode);
            void reply.send(response.stream);
          },
          onError: (_reply, { error }) => reject(new UpstreamFailure(reasonOf(error as CodedError), error)),
        });
      } catch {
        // reply-from refuses a path that climbs out of the service's root (`/..`): the client's mistake, not the service's
        resolve(CLIENT_GONE);
        sendProblem(request, reply, problem(400, 'request.invalid_url', 'the URL is not valid (a path segment climbs out of the API)'));
      }
    });
  }
}
