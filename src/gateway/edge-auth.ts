import { AccessTokens, InvalidAccessToken } from '../platform/http/access-tokens';
import { ApiKeyAuthenticator, apiKeyUser, InvalidApiKey } from '../platform/http/api-keys';
import { bearerToken } from '../platform/http/auth.guard';
import { API_KEY_HEADER, type AuthUser, headerOf, type OrderlyRequest } from '../platform/http/request-context';
import { DomainError, InvalidInput } from '../shared-kernel/errors';
import { CredentialsUncheckable } from './problems';

/**
 * What the edge learnt of a request's caller: who it is; nobody (no credentials, or ones not valid on a public
 * route); or an API key it has no means to check (no identity client was given), left for the service to verify.
 */
export type EdgeCaller = { kind: 'user'; user: AuthUser } | { kind: 'anonymous' } | { kind: 'unchecked-api-key' };

export const ANONYMOUS: EdgeCaller = { kind: 'anonymous' };
const UNCHECKED_API_KEY: EdgeCaller = { kind: 'unchecked-api-key' };

/**
 * Checks credentials at the edge with the services' own rules (platform/http/auth.guard.ts): a bad, expired or
 * revoked access token, an unknown API key or both at once are refused here with the AuthGuard's problem codes, so
 * they never reach a service; on a public route such credentials count as none, as they do there. Roles, scopes and
 * ownership stay with the services, which see the request's credentials unchanged.
 */
export class EdgeAuthenticator {
  constructor(
    private readonly tokens: AccessTokens,
    /** null: the edge cannot look keys up, and lets them through to the services */
    private readonly apiKeys: ApiKeyAuthenticator | null,
  ) {}

  /** The caller of a request to a public route (`isPublic`) or a guarded one; throws the 401 (or 400, 503) to answer. */
  async callerOf(request: OrderlyRequest, isPublic: boolean): Promise<EdgeCaller> {
    if (isPublic) return this.authenticate(request).catch(() => ANONYMOUS);
    const caller = await this.authenticate(request).catch((error: unknown) => {
      throw error instanceof DomainError ? error : new CredentialsUncheckable(error);
    });
    if (caller.kind === 'anonymous') {
      throw new InvalidAccessToken('this endpoint requires an access token (Authorization: Bearer <token>) or an API key');
    }
    return caller;
  }

  private async authenticate(request: OrderlyRequest): Promise<EdgeCaller> {
    const token = bearerToken(request);
    const apiKey = headerOf(request, API_KEY_HEADER);
    if (apiKey !== undefined) {
      if (token) throw new InvalidInput('auth.ambiguous_credentials', 'send either an access token or an API key, not both');
      if (!this.apiKeys) return UNCHECKED_API_KEY;
      const principal = await this.apiKeys.authenticate(apiKey);
      if (!principal) throw new InvalidApiKey();
      return { kind: 'user', user: apiKeyUser(principal) };
    }
    return token ? { kind: 'user', user: await this.tokens.verify(token) } : ANONYMOUS;
  }
}
