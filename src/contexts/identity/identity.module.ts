import { DynamicModule, Module, OnModuleInit, Type } from '@nestjs/common';
import { AccessTokens } from '../../platform/http/access-tokens';
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
import { AddressesController } from './interface/addresses.controller';
import { ApiKeysController } from './interface/api-keys.controller';
import { AuthController } from './interface/auth.controller';
import { MeController } from './interface/me.controller';
import { StaffController } from './interface/staff.controller';

/** The modules that provide what identity injects from other contexts, chosen by the composition root. */
export type IdentityDependencies = {
  /** Exports GuestCarts (cart's), which moves a guest cart into the customer's at login; without it the cart stays. */
  guestCarts?: Type<unknown> | DynamicModule;
};

/**
 * identity: accounts, passwords, sessions, address books, API keys (state-stored, events through the outbox). What
 * the platform's request pipeline asks of identity (API keys, revoked sessions) is IdentityAuthModule's.
 */
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
  ],
  exports: [EnsureAdminHandler, RegisterUserHandler],
})
export class IdentityModule implements OnModuleInit {
  static register(dependencies: IdentityDependencies): DynamicModule {
    return { module: IdentityModule, imports: dependencies.guestCarts ? [dependencies.guestCarts] : [] };
  }

  constructor(private readonly integrationEvents: IntegrationEvents) {}

  onModuleInit(): void {
    this.integrationEvents.registerTranslator('identity', toIntegrationEvent);
  }
}
