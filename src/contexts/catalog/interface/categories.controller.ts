import { Controller, Get, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { Idempotent, Meta, Public, Roles, API_V1 } from '../../../platform/http/request-context';
import { ReadDatabase } from '../../../platform/persistence/read-database';
import { CatalogReadCache } from '../application/catalog-read-cache';
import { CreateCategoryHandler } from '../application/create-category';
import { categoryTree, findCategories } from '../application/product-queries';
import { CategoryListResponse, CategoryResponse, CreateCategoryBody } from './catalog.schemas';
import { answer, CurrentReader, type Reader } from './public-reads';

@Controller(`${API_V1}/categories`)
export class CategoriesController {
  constructor(
    private readonly reads: ReadDatabase,
    private readonly cache: CatalogReadCache,
    private readonly createCategory: CreateCategoryHandler,
  ) {}

  /** Every category by slug (`items`) and the same as a tree (`tree`). */
  @Get()
  @Public()
  @ApiOperation({ summary: 'Every category, by slug and as a tree' })
  @ApiZodResponse(200, CategoryListResponse)
  list(@CurrentReader() reader: Reader, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(this.cache, { ...reader, audience: 'public' }, reply, async () => {
      const items = await findCategories(this.reads.forAnyone());
      return { items, tree: categoryTree(items) };
    });
  }

  @Post()
  @Roles('admin')
  @Idempotent()
  @ApiOperation({ summary: 'Create a category' })
  @ApiZodResponse(201, CategoryResponse)
  @ApiProblems({
    400: ['request.invalid', 'catalog.category_too_deep'],
    409: ['catalog.category_slug_taken'],
    422: ['catalog.unknown_category'],
  })
  create(@ValidBody(CreateCategoryBody) body: z.infer<typeof CreateCategoryBody>, @Meta() meta: CommandMeta) {
    return this.createCategory.execute(body, meta);
  }
}
