import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore, appendedNow } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { Conflict, InvalidInput } from '../../../shared-kernel/errors';
import { newId } from '../../../shared-kernel/ids';
import { LOWER_CASE_CODE } from '../../../shared-kernel/identifiers';
import { checkText, type TextRule, textProblemMessage } from '../../../shared-kernel/text';
import { UnknownCategory } from '../domain/product';
import { CatalogReadCache } from './catalog-read-cache';
import { findCategory, type CategoryView } from './product-queries';
import { categoryStream } from './product-writes';

export type CreateCategory = { slug: string; name: string; parent?: string };

export const CATEGORY_SLUG = LOWER_CASE_CODE.pattern;
const CATEGORY_NAME_RULE: TextRule = { kind: 'line', min: 1, max: 100 };
/** Levels of the category tree, roots included. */
export const MAX_CATEGORY_DEPTH = 6;

export class CategorySlugTaken extends Conflict {
  constructor(slug: string) {
    super('catalog.category_slug_taken', 'a category with this slug exists already', { slug });
  }
}

/** An admin (or the seeder) opens a category, optionally under a parent category (the tree is at most 6 deep). */
@Injectable()
export class CreateCategoryHandler {
  constructor(
    private readonly db: Database,
    private readonly eventStore: EventStore,
    private readonly cache: CatalogReadCache,
  ) {}

  async execute(command: CreateCategory, meta: CommandMeta): Promise<CategoryView> {
    if (!CATEGORY_SLUG.test(command.slug) || command.slug.length > 64)
      throw new InvalidInput('catalog.invalid_slug', 'a slug is lower-case words joined by dashes');
    const verdict = checkText(command.name, CATEGORY_NAME_RULE);
    if (!verdict.ok)
      throw new InvalidInput('catalog.invalid_name', `a category name ${textProblemMessage(verdict.problem, CATEGORY_NAME_RULE)}`);
    const name = verdict.text;
    const categoryId = newId();
    const view = await this.db.transaction(async (tx) => {
      const parent = command.parent === undefined ? null : await findCategory(tx, command.parent);
      if (command.parent !== undefined && !parent) throw new UnknownCategory(command.parent);
      if (parent && parent.path.length >= MAX_CATEGORY_DEPTH)
        throw new InvalidInput('catalog.category_too_deep', `the category tree has at most ${MAX_CATEGORY_DEPTH} levels`);
      const inserted = await tx.query(
        `insert into catalog.categories (id, slug, name, parent_id, path, created_at) values ($1, $2, $3, $4, $5, $6)
         on conflict (slug) do nothing`,
        [categoryId, command.slug, name, parent?.id ?? null, [...(parent?.path ?? []), categoryId], meta.now],
      );
      if (inserted.rowCount === 0) throw new CategorySlugTaken(command.slug);
      const event = { type: 'CategoryCreated', data: { categoryId, slug: command.slug, name, parentId: parent?.id ?? null } };
      appendedNow(await this.eventStore.append(categoryStream(categoryId), [event], { expectedVersion: 'no_stream', meta, tx }));
      return { slug: command.slug, name, ...(command.parent !== undefined ? { parent: command.parent } : {}) };
    });
    this.cache.invalidate();
    return view;
  }
}
