import { Controller, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, Idempotent, Meta, Roles } from '../../../platform/http/request-context';
import { RegisterUserHandler } from '../application/register-user';
import { ProfileSchema } from './me.controller';
import { NewAccountFields } from './schemas';

const CreateStaffBody = z.object(NewAccountFields).strict();

/** Staff accounts: created by admins only. Staff work on orders (e.g. ship them) but change no prices or roles. */
@ApiTags('Identity')
@Controller(`${API_V1}/staff`)
@Roles('admin')
export class StaffController {
  constructor(private readonly registerUser: RegisterUserHandler) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create a staff account', description: 'The password must not be one of the most commonly used passwords.' })
  @ApiZodResponse(201, ProfileSchema, 'the new staff account')
  @ApiProblems({ 400: ['identity.password_too_common'], 409: ['identity.email_taken'], 503: ['identity.password_hashing_busy'] })
  create(@ValidBody(CreateStaffBody) body: z.infer<typeof CreateStaffBody>, @Meta() meta: CommandMeta) {
    return this.registerUser.execute({ ...body, role: 'staff' }, meta);
  }
}
