import { Module, OnModuleInit } from '@nestjs/common';
import { AccessTokens } from '../../platform/http/access-tokens';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { EnsureAdminHandler } from './application/ensure-admin';
import { LogInHandler } from './application/log-in';
import { LogOutHandler } from './application/log-out';
import { AccessTokenIssuer, PasswordHasher } from './application/ports';
import { RefreshSessionHandler } from './application/refresh-session';
import { RegisterUserHandler } from './application/register-user';
import { Sessions } from './application/sessions';
import { toIntegrationEvent } from './application/to-integration-events';
import { Argon2PasswordHasher } from './infrastructure/argon2.password-hasher';
import { AuthController } from './interface/auth.controller';
import { MeController } from './interface/me.controller';

/** identity: accounts, passwords, sessions (state-stored, events through the outbox). */
@Module({
  controllers: [AuthController, MeController],
  providers: [
    RegisterUserHandler,
    LogInHandler,
    RefreshSessionHandler,
    LogOutHandler,
    EnsureAdminHandler,
    Sessions,
    { provide: PasswordHasher, useClass: Argon2PasswordHasher },
    { provide: AccessTokenIssuer, useExisting: AccessTokens },
  ],
  exports: [EnsureAdminHandler, RegisterUserHandler],
})
export class IdentityModule implements OnModuleInit {
  constructor(private readonly integrationEvents: IntegrationEvents) {}

  onModuleInit(): void {
    this.integrationEvents.registerTranslator('identity', toIntegrationEvent);
  }
}
