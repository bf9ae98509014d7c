import type { IncomingHttpHeaders } from 'node:http';
import type { IncomingHttpHeaders as Http2IncomingHttpHeaders } from 'node:http2';
import type { FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER } from '../platform/http/request-meta.interceptor';

/**
 * The headers a service receives: the client's own as they came (credentials, Idempotency-Key, Prefer, X-Cart-Token,
 * W3C `traceparent` and `tracestate`; reply-from drops the hop-by-hop ones and sets Host to the service's), and:
 * - `X-Request-Id`: the request's id, the client's when it is well-formed, else a new one (echoed on the answer), so
 *   the service's correlation id is the gateway's;
 * - `X-Forwarded-For`: exactly the client address the gateway settled on (`request.ip`, through its own
 *   TRUSTED_PROXIES), never a chain the client wrote: the services trust the gateway's word (their TRUSTED_PROXIES
 *   name it), so a forged entry passed on would pick the address their rate limits and login throttling count by;
 * - `X-Forwarded-Proto` and `X-Forwarded-Host`: the scheme and host the client used (from a trusted proxy's headers
 *   when one is in front); `Forwarded` is dropped, so no second, unchecked version of them reaches the service.
 */
export const forwardingHeaders = (
  request: Pick<FastifyRequest, 'id' | 'ip' | 'protocol' | 'host'>,
  headers: IncomingHttpHeaders | Http2IncomingHttpHeaders,
): IncomingHttpHeaders => {
  const forwarded: IncomingHttpHeaders = {
    ...headers,
    [REQUEST_ID_HEADER]: String(request.id),
    'x-forwarded-for': request.ip,
    'x-forwarded-proto': request.protocol,
    'x-forwarded-host': request.host,
  };
  delete forwarded.forwarded;
  return forwarded;
};
