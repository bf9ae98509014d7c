import { preferredWait } from '../platform/http/prefer-wait';

/**
 * The routes that honour `Prefer: wait=N` (ADR 0027): their answer may come N seconds (at most 30) after the request.
 * test/gateway/route-table.spec.ts holds this to the operations whose document lists the `Prefer` header.
 */
export const WAITING_ROUTES: ReadonlySet<string> = new Set(['POST /api/v1/checkout', 'GET /api/v1/orders/{id}']);

export type UpstreamTimeouts = { defaultMs: number; waitMarginMs: number };

/**
 * How long the gateway waits for a service to start answering a request to `route` (`POST /api/v1/checkout`): the
 * default, or for a route that honours `Prefer: wait=N`, the wait the request asks for plus a margin when that is
 * longer. The wait is read as the services read it (`preferredWait`: capped at 30 s, ignored when malformed).
 */
export const upstreamTimeoutMs = (route: string, prefer: string | undefined, timeouts: UpstreamTimeouts): number => {
  if (!WAITING_ROUTES.has(route)) return timeouts.defaultMs;
  const waitS = preferredWait(prefer);
  return waitS === undefined ? timeouts.defaultMs : Math.max(timeouts.defaultMs, waitS * 1000 + timeouts.waitMarginMs);
};
