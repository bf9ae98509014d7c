import { Controller, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { Idempotent, Meta, Roles, API_V1 } from '../../../platform/http/request-context';
import { AddVariantHandler } from '../application/add-variant';
import { ReviseVariantHandler } from '../application/revise-variant';
import { ProductResponse, ReviseVariantBody, VariantBody } from './catalog.schemas';

/** Admins add variants (SKUs) to a product and reprice or reweigh them; each answers the whole product. */
@Controller(`${API_V1}/products/:id/variants`)
export class ProductVariantsController {
  constructor(
    private readonly addVariant: AddVariantHandler,
    private readonly reviseVariant: ReviseVariantHandler,
  ) {}

  @Post()
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Add a variant (a SKU) to a product' })
  @ApiZodResponse(201, ProductResponse)
  @ApiProblems(
    { 400: ['request.invalid', 'catalog.invalid_variant', 'catalog.mixed_currencies'], 404: ['catalog.product_not_found'] },
    { 409: ['catalog.sku_taken', 'catalog.variant_combination_taken'] },
  )
  add(@Param('id') id: string, @ValidBody(VariantBody) body: z.infer<typeof VariantBody>, @Meta() meta: CommandMeta) {
    return this.addVariant.execute({ productId: id, variant: body }, meta);
  }

  @Patch(':sku')
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Reprice or reweigh a variant' })
  @ApiZodResponse(200, ProductResponse)
  @ApiProblems({ 400: ['request.invalid', 'catalog.mixed_currencies'], 404: ['catalog.product_not_found', 'catalog.variant_not_found'] })
  revise(
    @Param('id') id: string,
    @Param('sku') sku: string,
    @ValidBody(ReviseVariantBody) body: z.infer<typeof ReviseVariantBody>,
    @Meta() meta: CommandMeta,
  ) {
    return this.reviseVariant.execute({ productId: id, sku, ...body }, meta);
  }
}
