import { Controller, Get, Param, Patch, Post } from '@nestjs/common';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody, ValidQuery } from '../../../platform/http/openapi';
import { Idempotent, Meta, Public, Roles, API_V1 } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { NotFound } from '../../../shared-kernel/errors';
import { CreateProductHandler } from '../application/create-product';
import { findProducts, getProduct } from '../application/product-queries';
import { ReviseProductHandler } from '../application/revise-product';
import { CreateProductBody, ListProductsQuery, ProductPageResponse, ProductResponse, ReviseProductBody } from './catalog.schemas';

/** The product catalog: anyone browses, admins maintain it. */
@Controller(`${API_V1}/products`)
export class ProductsController {
  constructor(
    private readonly db: Database,
    private readonly createProduct: CreateProductHandler,
    private readonly reviseProduct: ReviseProductHandler,
  ) {}

  /** Pages in creation order; follow `nextCursor` until it is null. */
  @Get()
  @Public()
  @ApiZodResponse(200, ProductPageResponse)
  @ApiProblems(400)
  list(@ValidQuery(ListProductsQuery) query: z.infer<typeof ListProductsQuery>) {
    return findProducts(this.db, query);
  }

  @Get(':id')
  @Public()
  @ApiZodResponse(200, ProductResponse)
  @ApiProblems(404)
  async get(@Param('id') id: string) {
    const product = await getProduct(this.db, id);
    if (!product) throw new NotFound('catalog.product_not_found', 'no product has this id', { id });
    return product;
  }

  @Post()
  @Roles('admin')
  @Idempotent()
  @ApiZodResponse(201, ProductResponse)
  @ApiProblems(400, 409, 422)
  create(@ValidBody(CreateProductBody) body: z.infer<typeof CreateProductBody>, @Meta() meta: CommandMeta) {
    return this.createProduct.execute(body, meta);
  }

  @Patch(':id')
  @Roles('admin')
  @Idempotent()
  @ApiZodResponse(200, ProductResponse)
  @ApiProblems(400, 404, 422)
  revise(@Param('id') id: string, @ValidBody(ReviseProductBody) body: z.infer<typeof ReviseProductBody>, @Meta() meta: CommandMeta) {
    return this.reviseProduct.execute({ productId: id, ...body }, meta);
  }
}
