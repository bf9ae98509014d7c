import { Injectable, Optional } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import { Clock } from '../../shared-kernel/clock';
import { Unauthorized } from '../../shared-kernel/errors';
import { isUuid, newId } from '../../shared-kernel/ids';
import { Config } from '../config';
import { Metrics } from '../observability/metrics';
import type { AuthUser, Role } from './request-context';
import { RevokedSessions } from './revoked-sessions';

export const ACCESS_TOKEN_AUDIENCE = 'orderly-api';
export const ACCESS_TOKEN_ISSUER = 'orderly';
/** RFC 9068: an access token, so an ID or refresh token signed with the same key is never accepted as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** 15 minutes: short-lived, so the list of revoked sessions stays small; refresh tokens renew them. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

const ROLES: readonly Role[] = ['customer', 'staff', 'admin'];
/** Verified tokens remembered until they expire: HMAC verification is a large share of a request's CPU. */
const VERIFIED_CACHE_SIZE = 10_000;

export class InvalidAccessToken extends Unauthorized {
  constructor(message = 'the access token is missing, malformed, expired or not issued by this service') {
    super('auth.unauthenticated', message);
  }
}

type VerifiedToken = { user: AuthUser; sessionId: string; expiresAtMs: number };

/**
 * Signs and verifies access tokens: HS256 JWTs with issuer, audience, type, expiry and the session (`sid`) they
 * belong to, verified against an algorithm allow-list (so `alg: none` and tokens signed with other keys or
 * algorithms are refused). A token whose session was revoked is refused from then on, also when its signature was
 * verified before. Time comes from the injected Clock.
 */
@Injectable()
export class AccessTokens {
  readonly lifetimeSeconds = ACCESS_TOKEN_TTL_SECONDS;
  private readonly key: Uint8Array;
  private readonly verified = new Map<string, VerifiedToken>();
  /** counts each lookup of `verified` as a hit or a miss (every authenticated request makes one) */
  private readonly countLookup: (hit: boolean) => void;

  constructor(
    config: Config,
    private readonly clock: Clock,
    @Optional() private readonly revokedSessions?: RevokedSessions,
    @Optional() metrics?: Metrics,
  ) {
    this.key = new TextEncoder().encode(config.jwtSecret);
    this.countLookup = metrics?.cacheLookups('access_token') ?? (() => undefined);
  }

  /** `sessionId`: the session (refresh-token family) the token belongs to; revoking it refuses the token. */
  async sign(user: AuthUser, sessionId: string): Promise<{ token: string; expiresIn: number }> {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const token = await new SignJWT({ email: user.email, role: user.role, sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
      .setSubject(user.id)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ACCESS_TOKEN_TTL_SECONDS)
      .setJti(newId())
      .sign(this.key);
    return { token, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  /**
   * The token's user; throws InvalidAccessToken (401 `auth.unauthenticated`) for anything but a valid token of a
   * session that was not revoked. Costs one lookup of the session in the revocation list.
   */
  async verify(token: string): Promise<AuthUser> {
    const { user, sessionId } = await this.verifySignature(token);
    if (this.revokedSessions && (await this.revokedSessions.isRevoked(sessionId))) {
      this.verified.delete(token);
      throw new InvalidAccessToken('the session of this access token has ended; log in again');
    }
    return user;
  }

  private async verifySignature(token: string): Promise<VerifiedToken> {
    const nowMs = this.clock.now().getTime();
    const known = this.verified.get(token);
    const hit = known !== undefined && nowMs < known.expiresAtMs;
    this.countLookup(hit);
    if (hit) return known;
    if (known) this.verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: ACCESS_TOKEN_AUDIENCE,
        issuer: ACCESS_TOKEN_ISSUER,
        typ: ACCESS_TOKEN_TYPE,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'exp', 'iat', 'sid'],
        maxTokenAge: ACCESS_TOKEN_TTL_SECONDS,
      });
      const { sub, email, role, exp, sid } = payload;
      if (typeof sub !== 'string' || typeof email !== 'string' || !ROLES.includes(role as Role)) throw new InvalidAccessToken();
      if (typeof sid !== 'string' || !isUuid(sid)) throw new InvalidAccessToken();
      const verified: VerifiedToken = { user: { id: sub, email, role: role as Role }, sessionId: sid, expiresAtMs: exp! * 1000 };
      this.remember(token, verified);
      return verified;
    } catch (error) {
      if (error instanceof InvalidAccessToken) throw error;
      throw new InvalidAccessToken();
    }
  }

  private remember(token: string, verified: VerifiedToken): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, verified);
  }
}
