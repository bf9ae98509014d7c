/**
 * Sessions ended before their access tokens expire (logout, a reused refresh token). Every access token names its
 * session, and a token of a revoked session is refused at once, on every instance sharing the database.
 * Implemented by identity; without it (a process that does not run identity), access tokens are valid until they
 * expire.
 */
export abstract class RevokedSessions {
  /** Whether the session was revoked; called on every request that carries an access token, so one indexed lookup. */
  abstract isRevoked(sessionId: string): Promise<boolean>;
}
