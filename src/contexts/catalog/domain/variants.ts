import { Conflict, InvalidInput, NotFound } from '../../../shared-kernel/errors';
import { money, type Money } from '../../../shared-kernel/money';
import { checkText, type TextRule, textProblemMessage } from '../../../shared-kernel/text';

/**
 * The rules of a product's options (Color: Red/Blue, Size: S/M/L) and variants (one SKU per combination of option
 * values, with its own price and weight), and of its image URLs. Pure: used by the product decisions.
 */

export type ProductOption = { name: string; values: string[] };
/** `options` maps each option name of the product to this variant's value (empty when the product has no options). */
export type Variant = { sku: string; price: Money; weightGrams: number; options: Record<string, string> };
export type VariantInput = { sku: string; price: Money; weightGrams?: number; options?: Record<string, string> };

export const MAX_OPTIONS = 3;
export const MAX_OPTION_VALUES = 50;
export const MAX_VARIANTS = 100;
export const MAX_IMAGES = 10;
export const MAX_WEIGHT_GRAMS = 1_000_000;
const MAX_IMAGE_URL = 2048;

/** SKUs are unique across the catalog: one SKU is one variant of one product. */
export class SkuTaken extends Conflict {
  constructor(sku: string) {
    super('catalog.sku_taken', 'a product variant with this SKU exists already', { sku });
  }
}

export class VariantNotFound extends NotFound {
  constructor(productId: string, sku: string) {
    super('catalog.variant_not_found', 'this product has no variant with this SKU', { productId, sku });
  }
}

export class VariantCombinationTaken extends Conflict {
  constructor(sku: string, options: Record<string, string>) {
    super('catalog.variant_combination_taken', 'another variant of this product has the same option values', { sku, options });
  }
}

const invalid = (code: string, message: string, details: Record<string, unknown> = {}) => new InvalidInput(code, message, details);

const LABEL_RULE: TextRule = { kind: 'line', min: 1, max: 50 };
const label = (text: string, what: string): string => {
  const verdict = checkText(text, LABEL_RULE);
  if (!verdict.ok) throw invalid('catalog.invalid_option', `${what} ${textProblemMessage(verdict.problem, LABEL_RULE)}`, { [what]: text });
  return verdict.text;
};
const fold = (text: string) => text.toLocaleLowerCase('en');

export const priceOf = (price: Money): Money => {
  const valid = money(price.amount, price.currency);
  if (valid.amount <= 0) throw invalid('catalog.invalid_price', 'a price must be positive', { price });
  return valid;
};

export const weightOf = (grams: number | undefined): number => {
  const weight = grams ?? 0;
  if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT_GRAMS)
    throw invalid('catalog.invalid_weight', `a weight is a whole number of grams from 0 to ${MAX_WEIGHT_GRAMS}`, { weightGrams: grams });
  return weight;
};

/** Option names are distinct (ignoring case) and contain no ':' (facet filters are written `Name:Value`). */
export const optionsOf = (options: readonly ProductOption[]): ProductOption[] => {
  if (options.length > MAX_OPTIONS) throw invalid('catalog.invalid_option', `a product has at most ${MAX_OPTIONS} options`);
  const names = new Set<string>();
  return options.map((option) => {
    const name = label(option.name, 'option name');
    if (name.includes(':')) throw invalid('catalog.invalid_option', "an option name contains no ':'", { option: name });
    if (names.has(fold(name))) throw invalid('catalog.invalid_option', 'option names are distinct', { option: name });
    names.add(fold(name));
    if (option.values.length === 0 || option.values.length > MAX_OPTION_VALUES)
      throw invalid('catalog.invalid_option', `an option has 1 to ${MAX_OPTION_VALUES} values`, { option: name });
    const values = option.values.map((value) => label(value, 'option value'));
    if (new Set(values.map(fold)).size !== values.length)
      throw invalid('catalog.invalid_option', 'the values of an option are distinct', { option: name });
    return { name, values };
  });
};

/** The options of a product created without a list: each option name in order of first use, its values likewise. */
export const optionsFromVariants = (variants: readonly VariantInput[]): ProductOption[] => {
  const options = new Map<string, string[]>();
  for (const variant of variants) {
    for (const [rawName, rawValue] of Object.entries(variant.options ?? {})) {
      const [name, value] = [label(rawName, 'option name'), label(rawValue, 'option value')];
      const values = options.get(name) ?? [];
      if (!values.some((v) => fold(v) === fold(value))) values.push(value);
      options.set(name, values);
    }
  }
  return [...options].map(([name, values]) => ({ name, values }));
};

/**
 * A variant of a product with these options: one value for each option, spelt as the option lists it. With
 * `allowNewValues`, a value the option does not list yet is accepted (adding the variant adds the value).
 */
export const variantOf = (input: VariantInput, options: readonly ProductOption[], allowNewValues = false): Variant => {
  const given = new Map(
    Object.entries(input.options ?? {}).map(([name, value]) => [fold(label(name, 'option name')), label(value, 'option value')]),
  );
  const chosen: [string, string][] = options.map((option) => {
    const value = given.get(fold(option.name));
    if (value === undefined)
      throw invalid('catalog.invalid_variant', `every variant has a value for option ${option.name}`, { sku: input.sku });
    given.delete(fold(option.name));
    const listed = option.values.find((v) => fold(v) === fold(value));
    if (!listed && !allowNewValues)
      throw invalid('catalog.invalid_variant', `${value} is not a value of option ${option.name}`, {
        sku: input.sku,
        values: option.values,
      });
    return [option.name, listed ?? value];
  });
  if (given.size > 0)
    throw invalid('catalog.invalid_variant', 'a variant has values only for the options of its product', { sku: input.sku });
  return { sku: input.sku, price: priceOf(input.price), weightGrams: weightOf(input.weightGrams), options: Object.fromEntries(chosen) };
};

const combination = (variant: Variant, options: readonly ProductOption[]) =>
  options.map((option) => fold(variant.options[option.name] ?? '')).join('\u0000');

/** A set of variants is valid together: 1 to MAX_VARIANTS, distinct SKUs, distinct combinations, one currency. */
export const checkVariants = (variants: readonly Variant[], options: readonly ProductOption[]): void => {
  if (variants.length === 0 || variants.length > MAX_VARIANTS)
    throw invalid('catalog.invalid_variant', `a product has 1 to ${MAX_VARIANTS} variants`, { variants: variants.length });
  const skus = new Set<string>();
  const combinations = new Set<string>();
  for (const variant of variants) {
    if (skus.has(variant.sku)) throw invalid('catalog.duplicate_sku', 'each variant has its own SKU', { sku: variant.sku });
    skus.add(variant.sku);
    const key = combination(variant, options);
    if (combinations.has(key)) throw new VariantCombinationTaken(variant.sku, variant.options);
    combinations.add(key);
    if (variant.price.currency !== variants[0].price.currency)
      throw invalid('catalog.mixed_currencies', 'the variants of a product are priced in one currency', { sku: variant.sku });
  }
};

/** Image URLs are https, at most MAX_IMAGES and distinct. They are stored and shown, never fetched by the server. */
export const imagesOf = (images: readonly string[] | undefined): string[] => {
  const list = images ?? [];
  if (list.length > MAX_IMAGES) throw invalid('catalog.invalid_image', `a product has at most ${MAX_IMAGES} images`);
  const seen = new Set<string>();
  return list.map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalid('catalog.invalid_image', 'an image is an absolute https URL', { url: text });
    }
    if (url.protocol !== 'https:' || url.username || url.password || text.length > MAX_IMAGE_URL || !url.hostname)
      throw invalid('catalog.invalid_image', `an image is an https URL of at most ${MAX_IMAGE_URL} characters, without credentials`, {
        url: text,
      });
    if (seen.has(url.href)) throw invalid('catalog.invalid_image', 'images are distinct', { url: text });
    seen.add(url.href);
    return url.href;
  });
};
