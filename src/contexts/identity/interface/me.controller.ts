import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiProblems, ApiZodResponse } from '../../../platform/http/openapi';
import { API_V1, AuthUser, CurrentUser } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { getUser, Profile, toProfile } from '../application/users';
import { ROLES, UserNotFound } from '../domain/user';

export const ProfileSchema = z.object({ id: z.uuid(), email: z.email(), name: z.string(), role: z.enum(ROLES) });

/** The caller's own account. */
@ApiTags('Identity')
@Controller(API_V1)
export class MeController {
  constructor(private readonly db: Database) {}

  @Get('me')
  @ApiOperation({ summary: 'The authenticated user' })
  @ApiZodResponse(200, ProfileSchema)
  @ApiProblems({ 404: ['identity.user_not_found'] })
  async me(@CurrentUser() user: AuthUser): Promise<Profile> {
    const found = await getUser(this.db, user.id);
    if (!found) throw new UserNotFound(user.id);
    return toProfile(found);
  }
}
