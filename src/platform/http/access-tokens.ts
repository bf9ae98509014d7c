import { Injectable } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import { Clock } from '../../shared-kernel/clock';
import { Unauthorized } from '../../shared-kernel/errors';
import { newId } from '../../shared-kernel/ids';
import { Config } from '../config';
import type { AuthUser, Role } from './request-context';

export const ACCESS_TOKEN_AUDIENCE = 'orderly-api';
export const ACCESS_TOKEN_ISSUER = 'orderly';
/** RFC 9068: an access token, so an ID or refresh token signed with the same key is never accepted as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** 15 minutes: access tokens are not revocable, so they stay short-lived; refresh tokens renew them. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

const ROLES: readonly Role[] = ['customer', 'staff', 'admin'];
/** Verified tokens remembered until they expire: HMAC verification is a large share of a request's CPU. */
const VERIFIED_CACHE_SIZE = 10_000;

export class InvalidAccessToken extends Unauthorized {
  constructor(message = 'the access token is missing, malformed, expired or not issued by this service') {
    super('auth.unauthenticated', message);
  }
}

/**
 * Signs and verifies access tokens: HS256 JWTs with issuer, audience, type and expiry, verified against an
 * algorithm allow-list (so `alg: none` and tokens signed with other keys or algorithms are refused). Time comes
 * from the injected Clock.
 */
@Injectable()
export class AccessTokens {
  private readonly key: Uint8Array;
  private readonly verified = new Map<string, { user: AuthUser; expiresAtMs: number }>();

  constructor(
    config: Config,
    private readonly clock: Clock,
  ) {
    this.key = new TextEncoder().encode(config.jwtSecret);
  }

  async sign(user: AuthUser): Promise<{ token: string; expiresIn: number }> {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const token = await new SignJWT({ email: user.email, role: user.role })
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

  /** The token's user; throws InvalidAccessToken (401 `auth.unauthenticated`) for anything but a valid token. */
  async verify(token: string): Promise<AuthUser> {
    const nowMs = this.clock.now().getTime();
    const known = this.verified.get(token);
    if (known && nowMs < known.expiresAtMs) return known.user;
    if (known) this.verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: ACCESS_TOKEN_AUDIENCE,
        issuer: ACCESS_TOKEN_ISSUER,
        typ: ACCESS_TOKEN_TYPE,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'exp', 'iat'],
        maxTokenAge: ACCESS_TOKEN_TTL_SECONDS,
      });
      const { sub, email, role, exp } = payload;
      if (typeof sub !== 'string' || typeof email !== 'string' || !ROLES.includes(role as Role)) throw new InvalidAccessToken();
      const user: AuthUser = { id: sub, email, role: role as Role };
      this.remember(token, user, exp! * 1000);
      return user;
    } catch (error) {
      if (error instanceof InvalidAccessToken) throw error;
      throw new InvalidAccessToken();
    }
  }

  private remember(token: string, user: AuthUser, expiresAtMs: number): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { user, expiresAtMs });
  }
}
