import { CART_TOKEN_HEADER } from '../../../platform/http/idempotency-keys';
import { Controller, Header, HttpCode, Headers, Ip, Optional, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, Idempotent, Meta, Public, RateLimited } from '../../../platform/http/request-context';
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
    email: z
      .string()
      .min(1)
      .max(254)
      .regex(/^[^\0]*$/, 'must not contain NUL'),
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
  @ApiOperation({ summary: 'Create a customer account' })
  @ApiZodResponse(201, ProfileSchema, 'the new account')
  @ApiProblems(409)
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
    description: `Failed attempts are limited per email and per client address; over the limit the answer is 429 with Retry-After.`,
  })
  @ApiHeader({ name: CART_TOKEN_HEADER, required: false, description: "a guest cart's token: its lines move into the customer's cart" })
  @ApiZodResponse(200, SessionSchema)
  @ApiProblems({ 401: ['identity.invalid_credentials'], 429: ['auth.too_many_attempts'] })
  async login(
    @ValidBody(LogInBody) body: z.infer<typeof LogInBody>,
    @Ip() clientAddress: string,
    @Headers(CART_TOKEN_HEADER) cartToken: string | undefined,
    @Meta() meta: CommandMeta,
  ) {
    const { session, user } = await this.logIn.execute({ ...body, clientAddress }, meta);
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
  @ApiOperation({ summary: 'Rotate a refresh token; reusing a spent one revokes its whole session' })
  @ApiZodResponse(200, SessionSchema)
  @ApiProblems(401)
  refresh(@ValidBody(RefreshTokenBody) body: z.infer<typeof RefreshTokenBody>, @Meta() meta: CommandMeta) {
    return this.refreshSession.execute(body, meta);
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session a refresh token belongs to' })
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
