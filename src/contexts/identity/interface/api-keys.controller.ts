import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { API_KEY_SCOPE, CUSTOMER_ONLY_RESOURCES } from '../../../platform/http/api-keys';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, AuthUser, CurrentUser, Idempotent, Meta, Roles } from '../../../platform/http/request-context';
import { SingleLineText } from '../../../platform/http/text-schemas';
import { Database } from '../../../platform/persistence/database';
import { ApiKeyView, findActiveApiKeys } from '../application/api-keys';
import { IssueApiKeyHandler } from '../application/issue-api-key';
import { RevokeApiKeyHandler } from '../application/revoke-api-key';

const Scope = z
  .string()
  .regex(API_KEY_SCOPE, 'a scope is <resource>:read or <resource>:write, e.g. orders:read')
  .refine((scope) => !CUSTOMER_ONLY_RESOURCES.includes(scope.split(':')[0]), {
    message: `API keys cannot act on customer resources (${CUSTOMER_ONLY_RESOURCES.join(', ')})`,
  });

const IssueApiKeyBody = z
  .object({
    name: SingleLineText(100).describe('what the key is for, e.g. "warehouse sync"'),
    scopes: z
      .array(Scope)
      .min(1)
      .max(50)
      .describe('<resource>:read (GET) or <resource>:write (other methods); resource = first path segment after /api/v1/'),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe('when the key stops working; never when absent'),
  })
  .strict();

const ApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe('the first characters of the key, to tell keys apart'),
  scopes: z.array(z.string()),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable().describe('to the minute'),
});
const IssuedApiKeySchema = ApiKeySchema.extend({
  key: z
    .string()
    .optional()
    .describe('send as X-Api-Key; shown only in this answer (never stored, so absent when an Idempotency-Key replays it)'),
});

/**
 * API keys for server clients (admin only). A key acts as staff within its scopes, never on customer routes and
 * never on admin-only routes; it is sent as `X-Api-Key`.
 */
@ApiTags('Identity')
@Controller(`${API_V1}/api-keys`)
@Roles('admin')
export class ApiKeysController {
  constructor(
    private readonly db: Database,
    private readonly issueApiKey: IssueApiKeyHandler,
    private readonly revokeApiKey: RevokeApiKeyHandler,
  ) {}

  @Post()
  @Idempotent({ redact: ['key'] })
  @ApiOperation({ summary: 'Create an API key; the key is shown in this answer only' })
  @ApiZodResponse(201, IssuedApiKeySchema)
  @ApiProblems({ 400: ['identity.api_key_expiry_in_past'], 409: ['identity.too_many_api_keys'] })
  issue(@ValidBody(IssueApiKeyBody) body: z.infer<typeof IssueApiKeyBody>, @CurrentUser() user: AuthUser, @Meta() meta: CommandMeta) {
    const expiresAt = body.expiresAt === undefined ? undefined : new Date(body.expiresAt);
    return this.issueApiKey.execute({ name: body.name, scopes: body.scopes, expiresAt, issuedBy: user.id }, meta);
  }

  @Get()
  @ApiOperation({ summary: 'The keys not revoked, newest first (never the keys themselves)' })
  @ApiZodResponse(200, z.array(ApiKeySchema))
  list(): Promise<ApiKeyView[]> {
    return findActiveApiKeys(this.db);
  }

  @Delete(':id')
  @HttpCode(204)
  @Idempotent()
  @ApiOperation({ summary: 'Revoke a key: refused from now on' })
  @ApiResponse({ status: 204, description: 'revoked' })
  @ApiProblems({ 404: ['identity.api_key_not_found'] })
  async revoke(@Param('id') id: string, @CurrentUser() user: AuthUser, @Meta() meta: CommandMeta): Promise<void> {
    await this.revokeApiKey.execute({ keyId: id, revokedBy: user.id }, meta);
  }
}
