import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { API_V1, AuthUser, CurrentUser, Idempotent, Meta } from '../../../platform/http/request-context';
import { identifier, PostalAddressFields, PostalAddressResponse } from '../../../platform/http/text-schemas';
import { Database } from '../../../platform/persistence/database';
import { AddAddressHandler } from '../application/add-address';
import { findAddresses } from '../application/addresses';
import { ChangeAddressHandler } from '../application/change-address';
import { RemoveAddressHandler } from '../application/remove-address';
import { Address, MAX_ADDRESSES } from '../domain/address';

const Phone = identifier(
  { pattern: /^\+?[0-9][0-9 ()./-]{2,31}$/, maxLength: 32, fold: 'none' },
  'digits, optionally with a leading +, spaces, dots, dashes or parentheses',
);

const AddAddressBody = z
  .object({
    ...PostalAddressFields,
    phone: Phone.optional(),
    isDefault: z.boolean().optional().describe('defaults to true for the first address'),
  })
  .strict();

const ChangeAddressBody = z
  .object({
    name: PostalAddressFields.name.optional(),
    line1: PostalAddressFields.line1.optional(),
    line2: PostalAddressFields.line2.unwrap().nullable().optional().describe('null removes it'),
    city: PostalAddressFields.city.optional(),
    postalCode: PostalAddressFields.postalCode.optional(),
    country: PostalAddressFields.country.optional(),
    phone: Phone.nullable().optional().describe('null removes it'),
    isDefault: z.boolean().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'change at least one field' });

export const AddressSchema = PostalAddressResponse.extend({
  id: z.uuid(),
  phone: z.string().optional(),
  isDefault: z.boolean(),
});

/** The caller's own address book. An address of someone else's book is answered as not found. */
@ApiTags('Identity')
@Controller(`${API_V1}/me/addresses`)
export class AddressesController {
  constructor(
    private readonly db: Database,
    private readonly addAddress: AddAddressHandler,
    private readonly changeAddress: ChangeAddressHandler,
    private readonly removeAddress: RemoveAddressHandler,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The addresses of your book, the default first' })
  @ApiZodResponse(200, z.array(AddressSchema))
  list(@CurrentUser() user: AuthUser): Promise<Address[]> {
    return findAddresses(this.db, user.id);
  }

  @Post()
  @Idempotent()
  @ApiOperation({ summary: `Add an address (at most ${MAX_ADDRESSES})` })
  @ApiZodResponse(201, AddressSchema)
  @ApiProblems({ 409: ['identity.address_book_full'] })
  add(@ValidBody(AddAddressBody) body: z.infer<typeof AddAddressBody>, @CurrentUser() user: AuthUser, @Meta() meta: CommandMeta) {
    const { isDefault, ...address } = body;
    return this.addAddress.execute({ userId: user.id, address, isDefault }, meta);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({ summary: 'Change an address, or make it the default' })
  @ApiZodResponse(200, AddressSchema)
  @ApiProblems({ 404: ['identity.address_not_found'] })
  change(
    @Param('id') id: string,
    @ValidBody(ChangeAddressBody) body: z.infer<typeof ChangeAddressBody>,
    @CurrentUser() user: AuthUser,
    @Meta() meta: CommandMeta,
  ) {
    return this.changeAddress.execute({ userId: user.id, addressId: id, changes: body }, meta);
  }

  @Delete(':id')
  @HttpCode(204)
  @Idempotent()
  @ApiOperation({ summary: 'Remove an address' })
  @ApiResponse({ status: 204, description: 'removed' })
  @ApiProblems({ 404: ['identity.address_not_found'] })
  async remove(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<void> {
    await this.removeAddress.execute({ userId: user.id, addressId: id });
  }
}
