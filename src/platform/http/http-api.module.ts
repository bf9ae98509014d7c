import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AccessTokens } from './access-tokens';
import { AuthGuard } from './auth.guard';
import { IdempotencyKeys } from './idempotency-keys';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { ProblemDetailsFilter } from './problem-details.filter';
import { RateLimitGuard } from './rate-limit-enforcement';
import { RateLimits } from './rate-limits';
import { RequestMetaInterceptor } from './request-meta.interceptor';
import { SafeInputInterceptor } from './safe-input';

/** The modules that provide the pipeline's optional ports, chosen by the composition root (identity's, in process). */
export type HttpApiPorts = {
  /** Exports ApiKeyAuthenticator; without it every `X-Api-Key` is refused. */
  apiKeyAuthenticator?: Type<unknown> | DynamicModule;
  /** Exports RevokedSessions; without it an access token is valid until it expires. */
  revokedSessions?: Type<unknown> | DynamicModule;
};

/**
 * The request pipeline every route shares, in order: AuthGuard → RateLimitGuard → (route guards) → SafeInputInterceptor
 * → RequestMetaInterceptor → IdempotencyInterceptor → ZodPipe → handler; ProblemDetailsFilter answers every error.
 * Global guards run in the order they are listed here. Needs Config, Clock, Database and AppLogger from a global
 * module, and the Redis connection (`REDIS`) when there is one. Imported as is, it has none of the HttpApiPorts.
 */
@Module({
  providers: [
    AccessTokens,
    IdempotencyKeys,
    RateLimits,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_INTERCEPTOR, useClass: SafeInputInterceptor },
    { provide: APP_INTERCEPTOR, useClass: RequestMetaInterceptor },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ],
  exports: [AccessTokens, IdempotencyKeys],
})
export class HttpApiModule {
  static register({ apiKeyAuthenticator, revokedSessions }: HttpApiPorts): DynamicModule {
    const providing = [apiKeyAuthenticator, revokedSessions].filter((module) => module !== undefined);
    return { module: HttpApiModule, imports: [...new Set(providing)] };
  }
}
