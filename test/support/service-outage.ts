import { GATEWAY_INSTANCES } from '../../src/app/services/local-topology';
import type { ApiClient, ApiReply } from './http-client';

/** Failures in a row that open a gateway's circuit for a service (GATEWAY_BREAKER_FAILURES, default). */
const BREAKER_FAILURES = 5;
/** Enough requests for every gateway behind nginx to count its failures, with room for nginx's balancing. */
const MOST_REQUESTS = 4 * BREAKER_FAILURES * GATEWAY_INSTANCES;

/**
 * Asks for `path` while its service is down until every gateway's circuit for it is open, i.e. as many answers in a
 * row as there are gateways carry Retry-After (nginx alternates between the gateways); answers every reply. Bounded:
 * fails when the circuits have not opened after MOST_REQUESTS requests.
 */
export const askUntilCircuitsOpen = async (api: ApiClient, path: string, token: string): Promise<ApiReply[]> => {
  const replies: ApiReply[] = [];
  let openInARow = 0;
  while (openInARow < GATEWAY_INSTANCES) {
    if (replies.length >= MOST_REQUESTS) {
      const statuses = replies.map((r) => `${r.status}${r.headers.has('retry-after') ? '+Retry-After' : ''}`);
      throw new Error(`the gateways' circuits did not open after ${replies.length} requests to ${path}: ${statuses.join(' ')}`);
    }
    const reply = await api.get(path, { token });
    replies.push(reply);
    openInARow = reply.headers.has('retry-after') ? openInARow + 1 : 0;
  }
  return replies;
};
