import { Conflict, DomainError, InvalidInput } from '../../../shared-kernel/errors';
import { money, type Money } from '../../../shared-kernel/money';

/**
 * A product as the catalog sells it. State lives in `catalog.products`; every change is also a business event on
 * `catalog.product-<id>`, appended in the same transaction (the outbox for `catalog.product-*.v1`).
 */
export type Product = {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  categoryId: string;
  category: string;
  price: Money;
};

type Ids = { productId: string; sku: string };
export type ProductEvent =
  | { type: 'ProductCreated'; data: Ids & { name: string; description: string | null; categoryId: string; category: string; price: Money } }
  | { type: 'ProductRenamed'; data: Ids & { name: string } }
  | { type: 'ProductDescriptionRevised'; data: Ids & { description: string | null } }
  | { type: 'ProductMovedToCategory'; data: Ids & { categoryId: string; category: string } }
  | { type: 'ProductRepriced'; data: Ids & { price: Money; previousPrice: Money } };

export const evolve = (state: Product | null, event: ProductEvent): Product | null => {
  if (event.type === 'ProductCreated') {
    const { productId, ...rest } = event.data;
    return { id: productId, ...rest };
  }
  if (!state) return state;
  switch (event.type) {
    case 'ProductRenamed':
      return { ...state, name: event.data.name };
    case 'ProductDescriptionRevised':
      return { ...state, description: event.data.description };
    case 'ProductMovedToCategory':
      return { ...state, categoryId: event.data.categoryId, category: event.data.category };
    case 'ProductRepriced':
      return { ...state, price: event.data.price };
  }
};

export const productDecider = { initialState: (): Product | null => null, evolve };

export class SkuTaken extends Conflict {
  constructor(sku: string) {
    super('catalog.sku_taken', 'a product with this SKU exists already', { sku });
  }
}

export class UnknownCategory extends DomainError {
  readonly kind = 'unprocessable';
  readonly code = 'catalog.unknown_category';
  constructor(category: string) {
    super('no category has this slug', { category });
  }
}

export class ProductAlreadyExists extends Conflict {
  constructor(productId: string) {
    super('catalog.product_exists', 'this product exists already', { productId });
  }
}

const priceOf = (price: Money): Money => {
  const valid = money(price.amount, price.currency);
  if (valid.amount <= 0) throw new InvalidInput('catalog.invalid_price', 'a price must be positive', { price });
  return valid;
};

const nameOf = (name: string): string => {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw new InvalidInput('catalog.invalid_name', 'a name has 1 to 200 characters');
  return trimmed;
};

const descriptionOf = (description: string | null | undefined): string | null => {
  const trimmed = description?.trim() ?? '';
  if (trimmed.length > 5000) throw new InvalidInput('catalog.invalid_description', 'a description has at most 5000 characters');
  return trimmed === '' ? null : trimmed;
};

export type CreateProduct = {
  productId: string;
  sku: string;
  name: string;
  description?: string | null;
  category: { id: string; slug: string };
  price: Money;
};

export const create = (state: Product | null, cmd: CreateProduct): ProductEvent[] => {
  if (state) throw new ProductAlreadyExists(state.id);
  const data = {
    productId: cmd.productId,
    sku: cmd.sku,
    name: nameOf(cmd.name),
    description: descriptionOf(cmd.description),
    categoryId: cmd.category.id,
    category: cmd.category.slug,
    price: priceOf(cmd.price),
  };
  return [{ type: 'ProductCreated', data }];
};

export type ReviseProduct = {
  name?: string;
  description?: string | null;
  category?: { id: string; slug: string };
  price?: Money;
};

/** One event per field that actually changes; a revision that changes nothing records nothing. */
export const revise = (product: Product, changes: ReviseProduct): ProductEvent[] => {
  const ids = { productId: product.id, sku: product.sku };
  const events: ProductEvent[] = [];
  if (changes.name !== undefined && nameOf(changes.name) !== product.name) {
    events.push({ type: 'ProductRenamed', data: { ...ids, name: nameOf(changes.name) } });
  }
  if (changes.description !== undefined && descriptionOf(changes.description) !== product.description) {
    events.push({ type: 'ProductDescriptionRevised', data: { ...ids, description: descriptionOf(changes.description) } });
  }
  if (changes.category !== undefined && changes.category.id !== product.categoryId) {
    events.push({ type: 'ProductMovedToCategory', data: { ...ids, categoryId: changes.category.id, category: changes.category.slug } });
  }
  if (changes.price !== undefined) {
    const price = priceOf(changes.price);
    if (price.amount !== product.price.amount || price.currency !== product.price.currency) {
      events.push({ type: 'ProductRepriced', data: { ...ids, price, previousPrice: product.price } });
    }
  }
  return events;
};
