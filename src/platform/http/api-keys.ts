import { Unauthorized } from '../../shared-kernel/errors';
import type { AuthUser } from './request-context';

/** What an API key's header value looks like: `ok_` and 32 random bytes in base64url. Anything else is refused unread. */
export const API_KEY_FORMAT = /^ok_[A-Za-z0-9_-]{43}$/;

/**
 * A scope is `<resource>:read` or `<resource>:write`; the resource is the first path segment after `/api/v1/`
 * (`orders`, `inventory`, `products`, …). `read` covers GET and HEAD, `write` every other method; neither
 * implies the other.
 */
export const API_KEY_SCOPE = /^[a-z][a-z0-9-]{0,39}:(read|write)$/;

/** Resources that act for the calling customer (their profile, addresses, cart, checkout): never open to a key. */
export const CUSTOMER_ONLY_RESOURCES: readonly string[] = ['me', 'cart', 'checkout'];

/** A server client authenticated by its API key. */
export type ApiKeyPrincipal = { keyId: string; scopes: readonly string[] };

/**
 * Resolves an `X-Api-Key` value to its key. Implemented by identity; the auth guard works without it (every key
 * is then refused).
 */
export abstract class ApiKeyAuthenticator {
  /** The key's principal; null for a malformed, unknown, revoked or expired key. Never throws for any of those. */
  abstract authenticate(key: string): Promise<ApiKeyPrincipal | null>;
}

export class InvalidApiKey extends Unauthorized {
  constructor() {
    super('auth.invalid_api_key', 'the API key is unknown, revoked or expired');
  }
}

/** A key acts with staff privileges under an id of its own, so idempotency keys and audit metadata are per key. */
export const apiKeyUser = (principal: ApiKeyPrincipal): AuthUser => ({
  id: `apikey:${principal.keyId}`,
  email: '',
  role: 'staff',
  apiKey: { id: principal.keyId, scopes: principal.scopes },
});

/** The scope a request needs: from the matched route's path and the method; null outside `/api/v1/`. */
export const requiredScope = (method: string, routePath: string): { resource: string; scope: string } | null => {
  const match = /^\/api\/v1\/([^/?]+)/.exec(routePath);
  if (!match) return null;
  const resource = match[1].toLowerCase();
  const access = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  return { resource, scope: `${resource}:${access}` };
};

export type ApiKeyVerdict = 'allowed' | 'customer_only' | 'missing_scope';

/** Whether a key with `scopes` may call `method routePath` (roles are checked separately: a key is staff). */
export const judgeApiKeyRequest = (scopes: readonly string[], method: string, routePath: string): ApiKeyVerdict => {
  const needed = requiredScope(method, routePath);
  if (!needed) return 'missing_scope';
  if (CUSTOMER_ONLY_RESOURCES.includes(needed.resource)) return 'customer_only';
  return scopes.includes(needed.scope) ? 'allowed' : 'missing_scope';
};
