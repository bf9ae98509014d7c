import { Controller, Get, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody, ValidQuery } from '../../../platform/http/openapi';
import { Idempotent, Meta, Public, Roles, API_V1 } from '../../../platform/http/request-context';
import { Database, type Sql } from '../../../platform/persistence/database';
import { ReadDatabase } from '../../../platform/persistence/read-database';
import { CatalogReadCache } from '../application/catalog-read-cache';
import { CreateProductHandler } from '../application/create-product';
import { findProducts, getProduct } from '../application/product-queries';
import { productNotFound } from '../application/product-writes';
import { PublishProductHandler } from '../application/publish-product';
import { ReviseProductHandler } from '../application/revise-product';
import { UnpublishProductHandler } from '../application/unpublish-product';
import { CreateProductBody, ListProductsQuery, ProductPageResponse, ProductResponse, ReviseProductBody } from './catalog.schemas';
import { answer, CurrentReader, type Reader } from './public-reads';

const PRODUCT_NOT_FOUND = { 404: ['catalog.product_not_found'] };

/** The product catalog: anyone browses what is published (staff see everything), admins maintain it. */
@Controller(`${API_V1}/products`)
export class ProductsController {
  constructor(
    private readonly db: Database,
    private readonly reads: ReadDatabase,
    private readonly cache: CatalogReadCache,
    private readonly createProduct: CreateProductHandler,
    private readonly reviseProduct: ReviseProductHandler,
    private readonly publishProduct: PublishProductHandler,
    private readonly unpublishProduct: UnpublishProductHandler,
  ) {}

  /** Pages in creation order; follow `nextCursor` until it is null. */
  @Get()
  @Public()
  @ApiOperation({ summary: 'Browse the products, a page at a time' })
  @ApiZodResponse(200, ProductPageResponse)
  @ApiProblems({ 400: ['request.invalid', 'catalog.invalid_cursor'] })
  list(
    @ValidQuery(ListProductsQuery) query: z.infer<typeof ListProductsQuery>,
    @CurrentReader() reader: Reader,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(this.cache, reader, reply, () => findProducts(this.readFor(reader), query, reader.audience));
  }

  /** Unpublished products answer 404 except to staff. */
  @Get(':id')
  @Public()
  @ApiOperation({ summary: 'A product with its variants' })
  @ApiZodResponse(200, ProductResponse)
  @ApiProblems(PRODUCT_NOT_FOUND)
  get(@Param('id') id: string, @CurrentReader() reader: Reader, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(
      this.cache,
      reader,
      reply,
      async () => (await getProduct(this.readFor(reader), id, reader.audience)) ?? Promise.reject(productNotFound(id)),
    );
  }

  /** What the public sees may come from the read replica; staff read the primary, which shows their edits at once. */
  private readFor(reader: Reader): Sql {
    return reader.audience === 'public' ? this.reads.forAnyone() : this.db;
  }

  /** A product of one SKU (`sku`, `price`) or with `options` and `variants`; it is published at once. */
  @Post()
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Create a product (published at once)' })
  @ApiZodResponse(201, ProductResponse)
  @ApiProblems(
    { 400: ['request.invalid', 'catalog.invalid_variant', 'catalog.invalid_option', 'catalog.duplicate_sku', 'catalog.invalid_image'] },
    { 409: ['catalog.sku_taken', 'catalog.variant_combination_taken'], 422: ['catalog.unknown_category'] },
  )
  create(@ValidBody(CreateProductBody) body: z.infer<typeof CreateProductBody>, @Meta() meta: CommandMeta) {
    const { sku, price, weightGrams, variants, options, ...fields } = body;
    const command = variants
      ? { ...fields, variants, ...(options ? { options } : {}) }
      : { ...fields, sku: sku!, price: price!, ...(weightGrams !== undefined ? { weightGrams } : {}) };
    return this.createProduct.execute(command, meta);
  }

  @Patch(':id')
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: "Revise a product's name, description, category or images" })
  @ApiZodResponse(200, ProductResponse)
  @ApiProblems({
    400: ['request.invalid', 'catalog.invalid_image'],
    ...PRODUCT_NOT_FOUND,
    422: ['catalog.unknown_category', 'catalog.price_needs_variant'],
  })
  revise(@Param('id') id: string, @ValidBody(ReviseProductBody) body: z.infer<typeof ReviseProductBody>, @Meta() meta: CommandMeta) {
    return this.reviseProduct.execute({ productId: id, ...body }, meta);
  }

  @Post(':id/publish')
  @HttpCode(200)
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Publish a product: the storefront shows and sells it' })
  @ApiZodResponse(200, ProductResponse)
  @ApiProblems(PRODUCT_NOT_FOUND)
  publish(@Param('id') id: string, @Meta() meta: CommandMeta) {
    return this.publishProduct.execute(id, meta);
  }

  @Post(':id/unpublish')
  @HttpCode(200)
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Unpublish a product: hidden from the storefront, no longer sold' })
  @ApiZodResponse(200, ProductResponse)
  @ApiProblems(PRODUCT_NOT_FOUND)
  unpublish(@Param('id') id: string, @Meta() meta: CommandMeta) {
    return this.unpublishProduct.execute(id, meta);
  }
}
