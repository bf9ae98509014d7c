import { Controller, Get, Post } from '@nestjs/common';
import type { z } from 'zod';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodResponse, ValidBody } from '../../../platform/http/openapi';
import { Idempotent, Meta, Public, Roles, API_V1 } from '../../../platform/http/request-context';
import { Database } from '../../../platform/persistence/database';
import { CreateCategoryHandler } from '../application/create-category';
import { findCategories } from '../application/product-queries';
import { CategoryListResponse, CategoryResponse, CreateCategoryBody } from './catalog.schemas';

@Controller(`${API_V1}/categories`)
export class CategoriesController {
  constructor(
    private readonly db: Database,
    private readonly createCategory: CreateCategoryHandler,
  ) {}

  @Get()
  @Public()
  @ApiZodResponse(200, CategoryListResponse)
  async list() {
    return { items: await findCategories(this.db) };
  }

  @Post()
  @Roles('admin')
  @Idempotent()
  @ApiZodResponse(201, CategoryResponse)
  @ApiProblems(400, 409, 422)
  create(@ValidBody(CreateCategoryBody) body: z.infer<typeof CreateCategoryBody>, @Meta() meta: CommandMeta) {
    return this.createCategory.execute(body, meta);
  }
}
