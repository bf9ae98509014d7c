import { Conflict, InvalidInput, Unprocessable } from '../../../shared-kernel/errors';
import type { Money } from '../../../shared-kernel/money';
import { checkText, type TextRule, textProblemMessage } from '../../../shared-kernel/text';
import {
  checkVariants,
  imagesOf,
  optionsFromVariants,
  optionsOf,
  priceOf,
  type ProductOption,
  type Variant,
  type VariantInput,
  VariantNotFound,
  variantOf,
  weightOf,
} from './variants';

/**
 * A product as the catalog sells it: options, variants (each its own SKU, price and weight), images and whether
 * customers see it. State lives in `catalog.products` and `catalog.variants`; every change is also a business event
 * on `catalog.product-<id>`, appended in the same transaction (the outbox for `catalog.*.v1`).
 */
export type Product = {
  id: string;
  name: string;
  description: string | null;
  categoryId: string;
  category: string;
  options: ProductOption[];
  variants: Variant[];
  images: string[];
  published: boolean;
};

export type CategoryRef = { id: string; slug: string };

type Id = { productId: string };
export type ProductCreated = {
  type: 'ProductCreated';
  data: Id & Omit<Product, 'id'>;
};
export type ProductEvent =
  | ProductCreated
  | { type: 'ProductRenamed'; data: Id & { name: string } }
  | { type: 'ProductDescriptionRevised'; data: Id & { description: string | null } }
  | { type: 'ProductMovedToCategory'; data: Id & { categoryId: string; category: string } }
  | { type: 'ProductImagesReplaced'; data: Id & { images: string[] } }
  | { type: 'VariantAdded'; data: Id & { variant: Variant } }
  | { type: 'ProductRepriced'; data: Id & { sku: string; price: Money; previousPrice: Money } }
  | { type: 'VariantWeightChanged'; data: Id & { sku: string; weightGrams: number } }
  | { type: 'ProductPublished'; data: Id & { skus: string[] } }
  | { type: 'ProductUnpublished'; data: Id & { skus: string[] } };

const withVariant = (state: Product, sku: string, change: (variant: Variant) => Variant): Product => ({
  ...state,
  variants: state.variants.map((variant) => (variant.sku === sku ? change(variant) : variant)),
});

/** A new variant may bring option values its options did not list yet: they are appended. */
const withValuesOf = (options: ProductOption[], variant: Variant): ProductOption[] =>
  options.map((option) => {
    const value = variant.options[option.name];
    return value === undefined || option.values.includes(value) ? option : { ...option, values: [...option.values, value] };
  });

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
    case 'ProductImagesReplaced':
      return { ...state, images: event.data.images };
    case 'VariantAdded':
      return { ...state, options: withValuesOf(state.options, event.data.variant), variants: [...state.variants, event.data.variant] };
    case 'ProductRepriced':
      return withVariant(state, event.data.sku, (variant) => ({ ...variant, price: event.data.price }));
    case 'VariantWeightChanged':
      return withVariant(state, event.data.sku, (variant) => ({ ...variant, weightGrams: event.data.weightGrams }));
    case 'ProductPublished':
      return { ...state, published: true };
    case 'ProductUnpublished':
      return { ...state, published: false };
  }
};

export const productDecider = { initialState: (): Product | null => null, evolve };

/**
 * Stored `ProductCreated` events of schema version 1 described a product of one SKU; version 2 lists its options,
 * variants and images, and whether it is published (products were always visible then).
 */
export const upcastProductCreatedV1 = (data: Record<string, unknown>): Record<string, unknown> => {
  const { sku, price, ...rest } = data;
  return { ...rest, options: [], variants: [{ sku, price, weightGrams: 0, options: {} }], images: [], published: true };
};

export class UnknownCategory extends Unprocessable {
  constructor(category: string) {
    super('catalog.unknown_category', 'no category has this slug', { category });
  }
}

export class ProductAlreadyExists extends Conflict {
  constructor(productId: string) {
    super('catalog.product_exists', 'this product exists already', { productId });
  }
}

/** A product-level price change is only meaningful when the product has one variant; otherwise reprice a variant. */
export class PriceNeedsVariant extends Unprocessable {
  constructor(productId: string) {
    super('catalog.price_needs_variant', 'this product has several variants: reprice one of them', { productId });
  }
}

const NAME_RULE: TextRule = { kind: 'line', min: 1, max: 200 };
const DESCRIPTION_RULE: TextRule = { kind: 'multiline', min: 0, max: 5000 };

const nameOf = (name: string): string => {
  const verdict = checkText(name, NAME_RULE);
  if (!verdict.ok) throw new InvalidInput('catalog.invalid_name', `a name ${textProblemMessage(verdict.problem, NAME_RULE)}`);
  return verdict.text;
};

const descriptionOf = (description: string | null | undefined): string | null => {
  const verdict = checkText(description ?? '', DESCRIPTION_RULE);
  if (!verdict.ok)
    throw new InvalidInput('catalog.invalid_description', `a description ${textProblemMessage(verdict.problem, DESCRIPTION_RULE)}`);
  return verdict.text === '' ? null : verdict.text;
};

export type CreateProduct = {
  productId: string;
  name: string;
  description?: string | null;
  category: CategoryRef;
  /** omitted: taken from the variants' option values, in order of first use */
  options?: ProductOption[];
  variants: VariantInput[];
  images?: string[];
};

/** A new product is published: it is visible as soon as it exists, as it always was; unpublish hides it. */
export const create = (state: Product | null, cmd: CreateProduct): ProductCreated[] => {
  if (state) throw new ProductAlreadyExists(state.id);
  const options = optionsOf(cmd.options ?? optionsFromVariants(cmd.variants));
  const variants = cmd.variants.map((variant) => variantOf(variant, options));
  checkVariants(variants, options);
  const data = {
    productId: cmd.productId,
    name: nameOf(cmd.name),
    description: descriptionOf(cmd.description),
    categoryId: cmd.category.id,
    category: cmd.category.slug,
    options,
    variants,
    images: imagesOf(cmd.images),
    published: true,
  };
  return [{ type: 'ProductCreated', data }];
};

export type ReviseProduct = {
  name?: string;
  description?: string | null;
  category?: CategoryRef;
  images?: string[];
  /** the price of a product's only variant */
  price?: Money;
};

const sameImages = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((url, i) => url === b[i]);

/** One event per field that actually changes; a revision that changes nothing records nothing. */
export const revise = (product: Product, changes: ReviseProduct): ProductEvent[] => {
  const id = { productId: product.id };
  const events: ProductEvent[] = [];
  if (changes.name !== undefined && nameOf(changes.name) !== product.name) {
    events.push({ type: 'ProductRenamed', data: { ...id, name: nameOf(changes.name) } });
  }
  if (changes.description !== undefined && descriptionOf(changes.description) !== product.description) {
    events.push({ type: 'ProductDescriptionRevised', data: { ...id, description: descriptionOf(changes.description) } });
  }
  if (changes.category !== undefined && changes.category.id !== product.categoryId) {
    events.push({ type: 'ProductMovedToCategory', data: { ...id, categoryId: changes.category.id, category: changes.category.slug } });
  }
  if (changes.images !== undefined && !sameImages(imagesOf(changes.images), product.images)) {
    events.push({ type: 'ProductImagesReplaced', data: { ...id, images: imagesOf(changes.images) } });
  }
  if (changes.price !== undefined) {
    if (product.variants.length !== 1) throw new PriceNeedsVariant(product.id);
    events.push(...reviseVariant(product, { sku: product.variants[0].sku, price: changes.price }));
  }
  return events;
};

/** Adds a variant; an option value the product did not list yet is added to its option. */
export const addVariant = (product: Product, input: VariantInput): ProductEvent[] => {
  const variant = variantOf(input, product.options, true);
  checkVariants([...product.variants, variant], product.options);
  return [{ type: 'VariantAdded', data: { productId: product.id, variant } }];
};

export type ReviseVariant = { sku: string; price?: Money; weightGrams?: number };

export const reviseVariant = (product: Product, changes: ReviseVariant): ProductEvent[] => {
  const variant = product.variants.find((v) => v.sku === changes.sku);
  if (!variant) throw new VariantNotFound(product.id, changes.sku);
  const ids = { productId: product.id, sku: variant.sku };
  const events: ProductEvent[] = [];
  if (changes.price !== undefined) {
    const price = priceOf(changes.price);
    if (price.currency !== variant.price.currency && product.variants.length > 1)
      throw new InvalidInput('catalog.mixed_currencies', 'the variants of a product are priced in one currency', { sku: variant.sku });
    if (price.amount !== variant.price.amount || price.currency !== variant.price.currency) {
      events.push({ type: 'ProductRepriced', data: { ...ids, price, previousPrice: variant.price } });
    }
  }
  if (changes.weightGrams !== undefined && weightOf(changes.weightGrams) !== variant.weightGrams) {
    events.push({ type: 'VariantWeightChanged', data: { ...ids, weightGrams: weightOf(changes.weightGrams) } });
  }
  return events;
};

/** Publishing a published product (or unpublishing a hidden one) changes nothing. */
const skusOf = (product: Product) => product.variants.map((variant) => variant.sku);

export const publish = (product: Product): ProductEvent[] =>
  product.published ? [] : [{ type: 'ProductPublished', data: { productId: product.id, skus: skusOf(product) } }];

export const unpublish = (product: Product): ProductEvent[] =>
  product.published ? [{ type: 'ProductUnpublished', data: { productId: product.id, skus: skusOf(product) } }] : [];

/** How a variant is named where one SKU is shown alone (a cart line, an order): "T-shirt (Red, M)". */
export const variantName = (productName: string, options: readonly ProductOption[], variant: Pick<Variant, 'options'>): string => {
  const values = options.map((option) => variant.options[option.name]).filter((value) => value !== undefined);
  return values.length > 0 ? `${productName} (${values.join(', ')})` : productName;
};
