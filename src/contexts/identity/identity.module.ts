import { Global, Module, OnModuleInit } from '@nestjs/common';
import { AccessTokens } from '../../platform/http/access-tokens';
import { ApiKeyAuthenticator } from '../../platform/http/api-keys';
import { RevokedSessions } from '../../platform/http/revoked-sessions';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { AddAddressHandler } from './application/add-address';
import { ChangeAddressHandler } from './application/change-address';
import { EnsureAdminHandler } from './application/ensure-admin';
import { IssueApiKeyHandler } from './application/issue-api-key';
import { LogInHandler } from './application/log-in';
import { LogOutHandler } from './application/log-out';
import { AccessTokenIssuer, PasswordHasher } from './application/ports';
import { RefreshSessionHandler } from './application/refresh-session';
import { RegisterUserHandler } from './application/register-user';
import { RemoveAddressHandler } from './application/remove-address';
import { RevokeApiKeyHandler } from './application/revoke-api-key';
import { Sessions } from './application/sessions';
import { toIntegrationEvent } from './application/to-integration-events';
import { Argon2PasswordHasher } from './infrastructure/argon2.password-hasher';
import { PgApiKeyAuthenticator } from './infrastructure/pg.api-key-authenticator';
import { PgRevokedSessions } from './infrastructure/pg.revoked-sessions';
import { AddressesController } from './interface/addresses.controller';
import { ApiKeysController } from './interface/api-keys.controller';
import { AuthController } from './interface/auth.controller';
import { MeController } from './interface/me.controller';
import { StaffController } from './interface/staff.controller';

/**
 * identity: accounts, passwords, sessions, address books, API keys (state-stored, events through the outbox).
 * Global so the platform's auth guard and access tokens find the ApiKeyAuthenticator and RevokedSessions without
 * importing a context.
 */
@Global()
@Module({
  controllers: [AuthController, MeController, AddressesController, StaffController, ApiKeysController],
  providers: [
    RegisterUserHandler,
    LogInHandler,
    RefreshSessionHandler,
    LogOutHandler,
    EnsureAdminHandler,
    AddAddressHandler,
    ChangeAddressHandler,
    RemoveAddressHandler,
    IssueApiKeyHandler,
    RevokeApiKeyHandler,
    Sessions,
    { provide: PasswordHasher, useClass: Argon2PasswordHasher },
    { provide: AccessTokenIssuer, useExisting: AccessTokens },
    { provide: ApiKeyAuthenticator, useClass: PgApiKeyAuthenticator },
    { provide: RevokedSessions, useClass: PgRevokedSessions },
  ],
  exports: [EnsureAdminHandler, RegisterUserHandler, ApiKeyAuthenticator, RevokedSessions],
})
export class IdentityModule implements OnModuleInit {
  constructor(private readonly integrationEvents: IntegrationEvents) {}

  onModuleInit(): void {
    this.integrationEvents.registerTranslator('identity', toIntegrationEvent);
  }
}
