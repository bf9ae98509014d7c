import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AccessTokens } from './access-tokens';
import { AuthGuard } from './auth.guard';
import { IdempotencyKeys } from './idempotency-keys';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { ProblemDetailsFilter } from './problem-details.filter';
import { RequestMetaInterceptor } from './request-meta.interceptor';
import { SafeInputInterceptor } from './safe-input';

/**
 * The request pipeline every route shares, in order: AuthGuard → SafeInputInterceptor → RequestMetaInterceptor → IdempotencyInterceptor
 * → ZodPipe → handler; ProblemDetailsFilter answers every error. Needs Config, Clock, Database and AppLogger
 * from a global module.
 */
@Module({
  providers: [
    AccessTokens,
    IdempotencyKeys,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_INTERCEPTOR, useClass: SafeInputInterceptor },
    { provide: APP_INTERCEPTOR, useClass: RequestMetaInterceptor },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ],
  exports: [AccessTokens, IdempotencyKeys],
})
export class HttpApiModule {}
