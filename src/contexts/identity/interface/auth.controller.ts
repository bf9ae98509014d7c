import { Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, Idempotent, Meta, Public } from '../../../platform/http/request-context';
import { LogInHandler } from '../application/log-in';
import { LogOutHandler } from '../application/log-out';
import { RefreshSessionHandler } from '../application/refresh-session';
import { RegisterUserHandler } from '../application/register-user';
import { ProfileSchema } from './me.controller';

const RegisterBody = z
  .object({
    email: z.email().max(254),
    password: z.string().min(8).max(128),
    name: z.string().trim().min(1).max(100),
  })
  .strict();

const LogInBody = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(128) }).strict();
const RefreshTokenBody = z.object({ refreshToken: z.string().min(1).max(256) }).strict();

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
  ) {}

  @Post('register')
  @Public()
  @Idempotent()
  @ApiOperation({ summary: 'Create a customer account' })
  @ApiZodResponse(201, ProfileSchema, 'the new account')
  @ApiProblems(409)
  register(@ValidBody(RegisterBody) body: z.infer<typeof RegisterBody>, @Meta() meta: CommandMeta) {
    return this.registerUser.execute(body, meta);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Exchange email and password for an access token and a refresh token' })
  @ApiZodResponse(200, SessionSchema)
  @ApiProblems(401)
  login(@ValidBody(LogInBody) body: z.infer<typeof LogInBody>, @Meta() meta: CommandMeta) {
    return this.logIn.execute(body, meta);
  }

  @Post('refresh')
  @Public()
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
}
