/**
 * One-way password hashing (argon2id in production). Hashing is CPU-bound and bounded: both methods may refuse with
 * `Unavailable` (503 with Retry-After) while too many hashes wait.
 */
export abstract class PasswordHasher {
  abstract hash(password: string): Promise<string>;
  /** False for a wrong password or a malformed hash; never throws for either (only `Unavailable` when busy). */
  abstract verify(hash: string, password: string): Promise<boolean>;
}

/** Signs the short-lived access tokens the API guard verifies (the platform's AccessTokens in production). */
export abstract class AccessTokenIssuer {
  /** How long a token is valid: a revoked session stays on the revocation list this long. */
  abstract readonly lifetimeSeconds: number;
  /** `sessionId`: the refresh-token family the token belongs to; revoking the family refuses the token. */
  abstract sign(
    user: { id: string; email: string; role: 'customer' | 'staff' | 'admin' },
    sessionId: string,
  ): Promise<{ token: string; expiresIn: number }>;
}
