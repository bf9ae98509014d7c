import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { InvalidInput } from '../../../shared-kernel/errors';
import {
  addVariant,
  create,
  PriceNeedsVariant,
  ProductAlreadyExists,
  productDecider,
  type ProductEvent,
  publish,
  revise,
  reviseVariant,
  unpublish,
  upcastProductCreatedV1,
  variantName,
} from './product';
import { VariantCombinationTaken, VariantNotFound } from './variants';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const id = { productId: 'p1' };
const kitchen = { id: 'c1', slug: 'kitchen' };
const mug = { sku: 'MUG-1', price: eur(1299), weightGrams: 0, options: {} };
const created: ProductEvent = {
  type: 'ProductCreated',
  data: {
    ...id,
    name: 'Mug',
    description: null,
    categoryId: 'c1',
    category: 'kitchen',
    options: [],
    variants: [mug],
    images: [],
    published: true,
  },
};
const shirtOptions = [
  { name: 'Color', values: ['Red', 'Blue'] },
  { name: 'Size', values: ['S', 'M'] },
];
const shirt = (sku: string, color: string, size: string, amount = 1999) => ({
  sku,
  price: eur(amount),
  options: { Color: color, Size: size },
});
const shirtCreated: ProductEvent = {
  type: 'ProductCreated',
  data: {
    ...id,
    name: 'T-Shirt',
    description: null,
    categoryId: 'c1',
    category: 'kitchen',
    options: shirtOptions,
    variants: [
      { ...shirt('TS-RS', 'Red', 'S'), weightGrams: 180 },
      { ...shirt('TS-BM', 'Blue', 'M', 2199), weightGrams: 0 },
    ],
    images: [],
    published: true,
  },
};
const given = deciderSpec(productDecider);

describe('product', () => {
  it('is created with trimmed text, an empty description as none, and published', () =>
    given([])
      .when((s) =>
        create(s, { ...id, name: '  Mug ', description: '  ', category: kitchen, variants: [{ sku: 'MUG-1', price: eur(1299) }] }),
      )
      .then([created]));

  it('refuses a price that is not positive', () =>
    given([])
      .when((s) => create(s, { ...id, name: 'Mug', category: kitchen, variants: [{ sku: 'MUG-1', price: eur(0) }] }))
      .thenThrows(InvalidInput, 'catalog.invalid_price'));

  it('is created once', () =>
    given([created])
      .when((s) => create(s, { ...id, name: 'Mug', category: kitchen, variants: [mug] }))
      .thenThrows(ProductAlreadyExists));

  it('records one event per changed field', () =>
    given([created])
      .when((s) =>
        revise(s!, {
          name: 'Big mug',
          description: 'Holds 500 ml',
          category: { id: 'c2', slug: 'gifts' },
          images: ['https://img.example/mug.png'],
          price: eur(1499),
        }),
      )
      .then([
        { type: 'ProductRenamed', data: { ...id, name: 'Big mug' } },
        { type: 'ProductDescriptionRevised', data: { ...id, description: 'Holds 500 ml' } },
        { type: 'ProductMovedToCategory', data: { ...id, categoryId: 'c2', category: 'gifts' } },
        { type: 'ProductImagesReplaced', data: { ...id, images: ['https://img.example/mug.png'] } },
        { type: 'ProductRepriced', data: { ...id, sku: 'MUG-1', price: eur(1499), previousPrice: eur(1299) } },
      ]));

  it('records nothing when nothing changes', () =>
    given([created])
      .when((s) => revise(s!, { name: 'Mug', description: null, category: kitchen, images: [], price: eur(1299) }))
      .then([]));

  it('folds the revisions into the current product', () =>
    given([created, { type: 'ProductRepriced', data: { ...id, sku: 'MUG-1', price: eur(999), previousPrice: eur(1299) } }]).thenState({
      id: 'p1',
      name: 'Mug',
      description: null,
      categoryId: 'c1',
      category: 'kitchen',
      options: [],
      variants: [{ ...mug, price: eur(999) }],
      images: [],
      published: true,
    }));

  it('reads a version 1 ProductCreated (one SKU) as a product of one variant', () =>
    expect(
      upcastProductCreatedV1({
        productId: 'p1',
        sku: 'MUG-1',
        name: 'Mug',
        description: null,
        categoryId: 'c1',
        category: 'kitchen',
        price: eur(1299),
      }),
    ).toEqual(created.data));
});

describe('options and variants', () => {
  it('creates one variant per combination, spelt as the options list them', () =>
    given([])
      .when((s) =>
        create(s, {
          ...id,
          name: 'T-Shirt',
          category: kitchen,
          options: shirtOptions,
          variants: [
            { ...shirt('TS-RS', 'red', 's'), weightGrams: 180 },
            { ...shirt('TS-BM', 'Blue', 'M', 2199), options: { size: 'M', color: 'blue' } },
          ],
        }),
      )
      .then([shirtCreated]));

  it('takes the options from the variants when none are listed', () => {
    const [event] = create(null, {
      ...id,
      name: 'T-Shirt',
      category: kitchen,
      variants: [shirt('A', 'Red', 'S'), shirt('B', 'Blue', 'S')],
    });
    expect(event.data.options).toEqual([
      { name: 'Color', values: ['Red', 'Blue'] },
      { name: 'Size', values: ['S'] },
    ]);
  });

  it.each([
    ['a value the option does not list', [shirt('A', 'Green', 'S')], 'catalog.invalid_variant'],
    ['a missing option value', [{ sku: 'A', price: eur(1), options: { Color: 'Red' } }], 'catalog.invalid_variant'],
    [
      'an option the product does not have',
      [{ sku: 'A', price: eur(1), options: { Color: 'Red', Size: 'S', Fit: 'Slim' } }],
      'catalog.invalid_variant',
    ],
    ['one SKU twice', [shirt('A', 'Red', 'S'), shirt('A', 'Red', 'M')], 'catalog.duplicate_sku'],
    [
      'two currencies',
      [shirt('A', 'Red', 'S'), { ...shirt('B', 'Red', 'M'), price: { amount: 1, currency: 'USD' } }],
      'catalog.mixed_currencies',
    ],
    ['no variant', [], 'catalog.invalid_variant'],
    ['a negative weight', [{ ...shirt('A', 'Red', 'S'), weightGrams: -1 }], 'catalog.invalid_weight'],
  ])('refuses %s', (_, variants, code) =>
    given([])
      .when((s) => create(s, { ...id, name: 'T-Shirt', category: kitchen, options: shirtOptions, variants }))
      .thenThrows(InvalidInput, code),
  );

  it('refuses two variants with the same option values', () =>
    given([])
      .when((s) =>
        create(s, {
          ...id,
          name: 'T-Shirt',
          category: kitchen,
          options: shirtOptions,
          variants: [shirt('A', 'Red', 'S'), shirt('B', 'RED', 's')],
        }),
      )
      .thenThrows(VariantCombinationTaken, 'catalog.variant_combination_taken'));

  it.each([
    [
      'two options of one name',
      [
        { name: 'Color', values: ['Red'] },
        { name: 'color', values: ['Blue'] },
      ],
    ],
    ['an option without values', [{ name: 'Color', values: [] }]],
    ['a value twice', [{ name: 'Color', values: ['Red', 'red'] }]],
    ["a ':' in an option name", [{ name: 'Color:', values: ['Red'] }]],
    ['four options', ['A', 'B', 'C', 'D'].map((name) => ({ name, values: ['x'] }))],
  ])('refuses %s', (_, options) =>
    given([])
      .when((s) => create(s, { ...id, name: 'T-Shirt', category: kitchen, options, variants: [{ sku: 'A', price: eur(1) }] }))
      .thenThrows(InvalidInput, 'catalog.invalid_option'),
  );

  it('refuses more than one variant without options (they could not be told apart)', () =>
    given([])
      .when((s) => create(s, { ...id, name: 'Mug', category: kitchen, variants: [mug, { ...mug, sku: 'MUG-2' }] }))
      .thenThrows(VariantCombinationTaken));

  it.each([
    ['http', 'http://img.example/a.png'],
    ['not a URL', 'img.example/a.png'],
    ['credentials', 'https://me:secret@img.example/a.png'],
    ['javascript', 'javascript:alert(1)'],
  ])('refuses an image URL with %s', (_, url) =>
    given([])
      .when((s) => create(s, { ...id, name: 'Mug', category: kitchen, variants: [mug], images: [url] }))
      .thenThrows(InvalidInput, 'catalog.invalid_image'),
  );

  it('adds a variant with a new value of an existing option', () =>
    given([shirtCreated])
      .when((s) => addVariant(s!, shirt('TS-GS', 'Green', 'S')))
      .then([{ type: 'VariantAdded', data: { ...id, variant: { ...shirt('TS-GS', 'Green', 'S'), weightGrams: 0 } } }]));

  it('lists the new value after the variant is added', () => {
    const green = { ...shirt('TS-GS', 'Green', 'S'), weightGrams: 0 };
    const state = [shirtCreated, { type: 'VariantAdded', data: { ...id, variant: green } } as const].reduce(productDecider.evolve, null);
    expect(state?.options).toEqual([{ name: 'Color', values: ['Red', 'Blue', 'Green'] }, shirtOptions[1]]);
    expect(state?.variants.map((v) => v.sku)).toEqual(['TS-RS', 'TS-BM', 'TS-GS']);
  });

  it('refuses a variant whose combination or SKU the product has', () => {
    given([shirtCreated])
      .when((s) => addVariant(s!, shirt('TS-X', 'Red', 'S')))
      .thenThrows(VariantCombinationTaken);
    given([shirtCreated])
      .when((s) => addVariant(s!, shirt('TS-RS', 'Red', 'M')))
      .thenThrows(InvalidInput, 'catalog.duplicate_sku');
  });

  it('reprices and reweighs one variant', () =>
    given([shirtCreated])
      .when((s) => reviseVariant(s!, { sku: 'TS-BM', price: eur(2499), weightGrams: 200 }))
      .then([
        { type: 'ProductRepriced', data: { ...id, sku: 'TS-BM', price: eur(2499), previousPrice: eur(2199) } },
        { type: 'VariantWeightChanged', data: { ...id, sku: 'TS-BM', weightGrams: 200 } },
      ]));

  it('refuses an unknown variant, and a product price when there are several variants', () => {
    given([shirtCreated])
      .when((s) => reviseVariant(s!, { sku: 'NOPE', price: eur(1) }))
      .thenThrows(VariantNotFound, 'catalog.variant_not_found');
    given([shirtCreated])
      .when((s) => revise(s!, { price: eur(1) }))
      .thenThrows(PriceNeedsVariant, 'catalog.price_needs_variant');
  });

  it('names a variant by its product and option values', () => {
    expect(variantName('T-Shirt', shirtOptions, { options: { Size: 'M', Color: 'Red' } })).toBe('T-Shirt (Red, M)');
    expect(variantName('Mug', [], { options: {} })).toBe('Mug');
  });
});

describe('publication', () => {
  const unpublished: ProductEvent = { type: 'ProductUnpublished', data: { ...id, skus: ['MUG-1'] } };

  it('unpublishes a published product and publishes it again, each once', () => {
    given([created])
      .when((s) => unpublish(s!))
      .then([unpublished]);
    given([created, unpublished])
      .when((s) => unpublish(s!))
      .then([]);
    given([created, unpublished])
      .when((s) => publish(s!))
      .then([{ type: 'ProductPublished', data: { ...id, skus: ['MUG-1'] } }]);
    given([created])
      .when((s) => publish(s!))
      .then([]);
  });
});
