import { describe, it } from 'vitest';
import { deciderSpec } from '../../../platform/testing/decider-spec';
import { InvalidInput } from '../../../shared-kernel/errors';
import { create, ProductAlreadyExists, productDecider, type ProductEvent, revise } from './product';

const ids = { productId: 'p1', sku: 'MUG-1' };
const kitchen = { id: 'c1', slug: 'kitchen' };
const created: ProductEvent = {
  type: 'ProductCreated',
  data: { ...ids, name: 'Mug', description: null, categoryId: 'c1', category: 'kitchen', price: { amount: 1299, currency: 'EUR' } },
};
const given = deciderSpec(productDecider);

describe('product', () => {
  it('is created with trimmed text and an empty description as none', () =>
    given([])
      .when((s) => create(s, { ...ids, name: '  Mug ', description: '  ', category: kitchen, price: { amount: 1299, currency: 'EUR' } }))
      .then([created]));

  it('refuses a price that is not positive', () =>
    given([])
      .when((s) => create(s, { ...ids, name: 'Mug', category: kitchen, price: { amount: 0, currency: 'EUR' } }))
      .thenThrows(InvalidInput, 'catalog.invalid_price'));

  it('is created once', () =>
    given([created])
      .when((s) => create(s, { ...ids, name: 'Mug', category: kitchen, price: { amount: 1, currency: 'EUR' } }))
      .thenThrows(ProductAlreadyExists));

  it('records one event per changed field', () =>
    given([created])
      .when((s) =>
        revise(s!, {
          name: 'Big mug',
          description: 'Holds 500 ml',
          category: { id: 'c2', slug: 'gifts' },
          price: { amount: 1499, currency: 'EUR' },
        }),
      )
      .then([
        { type: 'ProductRenamed', data: { ...ids, name: 'Big mug' } },
        { type: 'ProductDescriptionRevised', data: { ...ids, description: 'Holds 500 ml' } },
        { type: 'ProductMovedToCategory', data: { ...ids, categoryId: 'c2', category: 'gifts' } },
        {
          type: 'ProductRepriced',
          data: { ...ids, price: { amount: 1499, currency: 'EUR' }, previousPrice: { amount: 1299, currency: 'EUR' } },
        },
      ]));

  it('records nothing when nothing changes', () =>
    given([created])
      .when((s) => revise(s!, { name: 'Mug', description: null, category: kitchen, price: { amount: 1299, currency: 'EUR' } }))
      .then([]));

  it('folds the revisions into the current product', () =>
    given([
      created,
      {
        type: 'ProductRepriced',
        data: { ...ids, price: { amount: 999, currency: 'EUR' }, previousPrice: { amount: 1299, currency: 'EUR' } },
      },
    ]).thenState({
      id: 'p1',
      sku: 'MUG-1',
      name: 'Mug',
      description: null,
      categoryId: 'c1',
      category: 'kitchen',
      price: { amount: 999, currency: 'EUR' },
    }));
});
