import { Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from '../../platform/http/api-keys';
import { RevokedSessions } from '../../platform/http/revoked-sessions';
import { PgApiKeyAuthenticator } from './infrastructure/pg.api-key-authenticator';
import { PgRevokedSessions } from './infrastructure/pg.revoked-sessions';

/**
 * identity's answers to the platform's request pipeline: which API key is calling and whether a session was revoked,
 * read from identity's tables. Apart from IdentityModule because the pipeline needs only these two lookups (and the
 * Database), and importing them must not pull accounts, sessions and their controllers into the platform.
 */
@Module({
  providers: [
    { provide: ApiKeyAuthenticator, useClass: PgApiKeyAuthenticator },
    { provide: RevokedSessions, useClass: PgRevokedSessions },
  ],
  exports: [ApiKeyAuthenticator, RevokedSessions],
})
export class IdentityAuthModule {}
