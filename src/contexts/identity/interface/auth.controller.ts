import { CART_TOKEN_HEADER } from '../../../platform/http/idempotency-keys';
import { Controller, Header, HttpCode, Headers, Ip, Optional, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, Idempotent, Meta, Public, RateLimited } from '../../../platform/http/request-context';
import { EmailAddress } from '../../../platform/http/text-schemas';
import { addressSubject } from '../../../platform/http/client-address';
import { AppLogger } from '../../../platform/observability/logger';
import { GuestCarts } from '../../cart/contracts';
import { LogInHandler } from '../application/log-in';
import { LogOutHandler } from '../application/log-out';
import { RefreshSessionHandler } from '../application/refresh-session';
import { RegisterUserHandler } from '../application/register-user';
import { ProfileSchema } from './me.controller';
import { NewAccountFields } from './schemas';

const RegisterBody = z.object(NewAccountFields).strict();

const LogInBody = z
  .object({
    email: EmailAddress,
    password: z.string().min(1).max(128),
  })
  .strict();
const RefreshTokenBody = z.object({ refreshToken: z.string().min(1).max(256) }).strict();

/** Sent at login by a client that filled a cart as a guest. */
const MAX_CART_TOKEN_LENGTH = 256;

const SessionSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('seconds until the access token expires'),
});

/** Accounts and sessions: register, log in, refresh (rotating), log out. */
@ApiTags('Identity')
@Controller(`${API_V1}/auth`)
export class AuthController {
  constructor(
    private readonly registerUser: RegisterUserHandler,
    private readonly logIn: LogInHandler,
    private readonly refreshSession: RefreshSessionHandler,
    private readonly logOut: LogOutHandler,
    private readonly logger: AppLogger,
    @Optional() private readonly guestCarts?: GuestCarts,
  ) {}

  @Post('register')
  @Public()
  @RateLimited('register')
  @Idempotent()
  @ApiOperation({
    summary: 'Create a customer account',
    description:
      'The password needs at least 8 characters and must not be one of the most commonly used passwords (400 ' +
      '`identity.password_too_common`); there are no rules about character classes. An email that already has an ' +
      'account is answered 409 `identity.email_taken`, so this route tells whether an email is registered: a ' +
      'deliberate trade-off, because a customer who forgot their account must be told to log in. The ' +
      'route is rate limited per client address, and login answers an unknown email exactly like a wrong password.',
  })
  @ApiZodResponse(201, ProfileSchema, 'the new account')
  @ApiProblems({ 400: ['identity.password_too_common'], 409: ['identity.email_taken'], 503: ['identity.password_hashing_busy'] })
  register(@ValidBody(RegisterBody) body: z.infer<typeof RegisterBody>, @Meta() meta: CommandMeta) {
    return this.registerUser.execute(body, meta);
  }

  @Post('login')
  @Public()
  @RateLimited('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Exchange email and password for an access token and a refresh token',
    description:
      'Failed attempts slow further ones down: after a few failures of one email from one client address, and after ' +
      'many failures of one email or from one address, each attempt must wait a delay that doubles with every failure ' +
      '(429 with Retry-After). An address that logged in to the account successfully before is only held back by its ' +
      "own failures, not by others'. An unknown email is answered exactly like a wrong password. The rate limit counts " +
      'per client address and email, so others behind a shared address still log in; many emails tried from one ' +
      'address are slowed by the failed-login throttling of that address and by the bounded password hashing (503).',
  })
  @ApiHeader({ name: CART_TOKEN_HEADER, required: false, description: "a guest cart's token: its lines move into the customer's cart" })
  @ApiZodResponse(200, SessionSchema)
  @ApiProblems({ 401: ['identity.invalid_credentials'], 429: ['auth.too_many_attempts'], 503: ['identity.password_hashing_busy'] })
  async login(
    @ValidBody(LogInBody) body: z.infer<typeof LogInBody>,
    @Ip() clientAddress: string,
    @Headers(CART_TOKEN_HEADER) cartToken: string | undefined,
    @Meta() meta: CommandMeta,
  ) {
    const { session, user } = await this.logIn.execute({ ...body, clientNetwork: addressSubject(clientAddress) }, meta);
    if (user.role === 'customer' && typeof cartToken === 'string' && cartToken.length > 0 && cartToken.length <= MAX_CART_TOKEN_LENGTH) {
      // the command id names the customer too: an Idempotency-Key on this public route is shared by every anonymous caller
      await this.mergeGuestCart(cartToken, user.id, { ...meta, userId: user.id, commandId: `${user.id}:cart-merge:${meta.commandId}` });
    }
    return session;
  }

  @Post('refresh')
  @Public()
  @RateLimited('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Rotate a refresh token; reusing a spent one revokes its whole session, access tokens included' })
  @ApiZodResponse(200, SessionSchema)
  @ApiProblems({ 401: ['identity.invalid_refresh_token'] })
  refresh(@ValidBody(RefreshTokenBody) body: z.infer<typeof RefreshTokenBody>, @Meta() meta: CommandMeta) {
    return this.refreshSession.execute(body, meta);
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: "End the session a refresh token belongs to; the session's access tokens stop working at once" })
  async logout(@ValidBody(RefreshTokenBody) body: z.infer<typeof RefreshTokenBody>, @Meta() meta: CommandMeta): Promise<void> {
    await this.logOut.execute(body, meta);
  }

  /** The login has succeeded: a cart that cannot be merged is logged, never turned into a failed login. */
  private async mergeGuestCart(cartToken: string, customerId: string, meta: CommandMeta): Promise<void> {
    if (!this.guestCarts) return;
    try {
      await this.guestCarts.mergeIntoCustomerCart(cartToken, customerId, meta);
    } catch (error) {
      this.logger.warn('guest cart not merged at login', { err: error, customerId, correlationId: meta.correlationId });
    }
  }
}
