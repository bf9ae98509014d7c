import type { INestApplicationContext } from '@nestjs/common';
import { CategorySlugTaken, CreateCategoryHandler } from '../contexts/catalog/application/create-category';
import type { CreateProduct } from '../contexts/catalog/application/create-product';
import { ImportProductsHandler } from '../contexts/catalog/application/import-products';
import { SkuTaken } from '../contexts/catalog/domain/variants';
import { SetStockLevelHandler } from '../contexts/inventory/application/set-stock-level';
import type { CommandMeta } from '../platform/event-store/event-store';
import { Database } from '../platform/persistence/database';
import { Clock } from '../shared-kernel/clock';
import { newId } from '../shared-kernel/ids';

/** A generated catalog of any size: a category tree, products with options and variants, stock for every SKU. */

type OptionSet = { name: string; values: string[] }[];
type Leaf = { slug: string; name: string; code: string; nouns: string[]; options: OptionSet; cents: number; grams: number };

const COLORS = { name: 'Color', values: ['Black', 'White', 'Navy', 'Grey', 'Red', 'Green', 'Sand', 'Blue'] };
const SIZES = { name: 'Size', values: ['XS', 'S', 'M', 'L', 'XL', 'XXL'] };
const SHOE_SIZES = { name: 'Size', values: ['38', '39', '40', '41', '42', '43', '44', '45', '46'] };
const STORAGE = { name: 'Storage', values: ['64 GB', '128 GB', '256 GB', '512 GB'] };
const FORMATS = { name: 'Format', values: ['Paperback', 'Hardcover', 'E-book'] };
const FINISHES = { name: 'Finish', values: ['Natural', 'Matte', 'Glazed', 'Brushed'] };

const leaf = (slug: string, name: string, code: string, nouns: string[], options: OptionSet, cents: number, grams: number): Leaf => ({
  slug,
  name,
  code,
  nouns,
  options,
  cents,
  grams,
});

/** departments → sections → leaves; products go to leaves, so filters on a department include all of them */
const TREE: [slug: string, name: string, [slug: string, name: string, Leaf[]][]][] = [
  [
    'apparel',
    'Apparel',
    [
      [
        'apparel-tops',
        'Tops',
        [
          leaf('t-shirts', 'T-Shirts', 'TS', ['T-Shirt', 'Tee', 'Polo'], [COLORS, SIZES], 1900, 180),
          leaf('knitwear', 'Knitwear', 'KN', ['Sweater', 'Cardigan', 'Hoodie'], [COLORS, SIZES], 5900, 450),
        ],
      ],
      [
        'apparel-bottoms',
        'Bottoms',
        [
          leaf('jeans', 'Jeans', 'JE', ['Jeans', 'Chinos', 'Trousers'], [COLORS, SIZES], 6900, 600),
          leaf('shorts', 'Shorts', 'SH', ['Shorts', 'Swim Shorts'], [COLORS, SIZES], 2900, 250),
        ],
      ],
      ['apparel-outerwear', 'Outerwear', [leaf('jackets', 'Jackets', 'JA', ['Jacket', 'Parka', 'Raincoat'], [COLORS, SIZES], 12900, 900)]],
    ],
  ],
  [
    'footwear',
    'Footwear',
    [
      [
        'footwear-everyday',
        'Everyday',
        [leaf('sneakers', 'Sneakers', 'SN', ['Sneaker', 'Trainer', 'Slip-On'], [COLORS, SHOE_SIZES], 7900, 800)],
      ],
      [
        'footwear-outdoor',
        'Outdoor Shoes',
        [leaf('boots', 'Boots', 'BO', ['Hiking Boot', 'Chelsea Boot', 'Trail Shoe'], [COLORS, SHOE_SIZES], 11900, 1200)],
      ],
    ],
  ],
  [
    'tech',
    'Tech',
    [
      ['tech-audio', 'Audio', [leaf('headphones', 'Headphones', 'HP', ['Headphones', 'Earbuds', 'Speaker'], [COLORS], 8900, 300)]],
      [
        'tech-mobile',
        'Mobile',
        [
          leaf('phones', 'Phones', 'PH', ['Phone', 'Tablet', 'E-Reader'], [COLORS, STORAGE], 39900, 250),
          leaf('chargers', 'Chargers', 'CH', ['Charger', 'Power Bank', 'Cable'], [], 1900, 120),
        ],
      ],
    ],
  ],
  [
    'living',
    'Living',
    [
      [
        'living-kitchen',
        'Kitchen & Dining',
        [
          leaf('cookware', 'Cookware', 'CK', ['Pan', 'Pot', 'Kettle', 'Wok'], [FINISHES], 4900, 1500),
          leaf('tableware', 'Tableware', 'TW', ['Mug', 'Bowl', 'Plate', 'Cup'], [COLORS], 1200, 350),
        ],
      ],
      [
        'living-decor',
        'Decor',
        [
          leaf('lighting', 'Lighting', 'LI', ['Lamp', 'Lantern', 'Pendant Light'], [FINISHES], 6900, 1100),
          leaf('textiles', 'Textiles', 'TX', ['Cushion', 'Throw', 'Rug'], [COLORS], 3900, 700),
        ],
      ],
    ],
  ],
  [
    'reading',
    'Reading',
    [
      [
        'reading-books',
        'Books',
        [
          leaf('novels', 'Novels', 'NO', ['Novel', 'Short Stories', 'Saga'], [FORMATS], 1800, 400),
          leaf('guides', 'Guides', 'GU', ['Field Guide', 'Cookbook', 'Atlas', 'Handbook'], [FORMATS], 2900, 700),
        ],
      ],
    ],
  ],
];
const LEAVES = TREE.flatMap(([, , sections]) => sections.flatMap(([, , leaves]) => leaves));
const ADJECTIVES = [
  'Classic',
  'Everyday',
  'Organic',
  'Vintage',
  'Modern',
  'Compact',
  'Premium',
  'Essential',
  'Rugged',
  'Soft',
  'Nordic',
  'Urban',
  'Coastal',
  'Alpine',
  'Studio',
];
const MATERIALS = ['Cotton', 'Linen', 'Wool', 'Leather', 'Bamboo', 'Ceramic', 'Steel', 'Oak', 'Recycled', 'Merino', 'Canvas', 'Copper'];

/** The category tree, parents first. */
export const seedCategories = (): { slug: string; name: string; parent?: string }[] =>
  TREE.flatMap(([slug, name, sections]) => [
    { slug, name },
    ...sections.flatMap(([sectionSlug, sectionName, leaves]) => [
      { slug: sectionSlug, name: sectionName, parent: slug },
      ...leaves.map((l) => ({ slug: l.slug, name: l.name, parent: sectionSlug })),
    ]),
  ]);

/** A well-mixed 32-bit hash of (n, salt): generated products vary in every attribute, not in lockstep. */
const mix = (n: number, salt: number): number => {
  let x = Math.imul(n ^ Math.imul(salt, 0x27d4eb2d), 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca77);
  return (x ^ (x >>> 13)) >>> 0;
};

/**
 * The i-th generated product and the stock of each of its SKUs: fixed for a given i (so a seed can resume), 1 to 3
 * variants that differ in their first option's value, every product with stock for at least its first variant.
 */
export const seedProduct = (i: number): { product: CreateProduct; stock: Map<string, number> } => {
  const l = LEAVES[i % LEAVES.length];
  const noun = l.nouns[mix(i, 1) % l.nouns.length];
  const adjective = ADJECTIVES[mix(i, 2) % ADJECTIVES.length];
  const material = MATERIALS[mix(i, 3) % MATERIALS.length];
  const cents = Math.round((l.cents * (4 + (mix(i, 4) % 9))) / 4 / 100) * 100 - 1;
  const count = l.options.length === 0 ? 1 : Math.min(1 + (mix(i, 5) % 3), l.options[0].values.length);
  const stock = new Map<string, number>();
  const variants = Array.from({ length: count }, (_, k) => {
    const sku = `${l.code}-${String(i).padStart(6, '0')}-${k + 1}`;
    const level = mix(i * 4 + k, 8);
    stock.set(sku, k > 0 && level % 11 === 0 ? 0 : 5 + (level % 120));
    const options = Object.fromEntries(
      l.options.map((option, o) => [option.name, option.values[(mix(i, 6 + o) + (o === 0 ? k : 0)) % option.values.length]]),
    );
    return { sku, price: { amount: cents + k * 200, currency: 'EUR' }, weightGrams: l.grams + k * 10, options };
  });
  return {
    product: {
      name: `${adjective} ${material} ${noun}`,
      description: `A ${adjective.toLowerCase()} ${noun.toLowerCase()} in ${material.toLowerCase()}, from our ${l.name.toLowerCase()} range.`,
      category: l.slug,
      variants,
    },
    stock,
  };
};

/** Import transactions in flight at once: the event appends of one batch are sequential, two batches use two cores. */
const IMPORTERS = 2;

export type CatalogSeedOptions = {
  products: number;
  /** products per transaction (default 500) */
  batchSize?: number;
  /** stock commands in flight at once (default 6) */
  concurrency?: number;
  onProgress?: (progress: { products: number; created: number; stocked: number; total: number }) => void;
};

export type CatalogSeedResult = { categories: number; created: number; skipped: number; stocked: number };

/**
 * Seeds the catalog through its own write paths: categories one by one, products in batches (one transaction each,
 * with the same events and read model as single creations), then the stock of each SKU through inventory's handler.
 * Resumable: products already there are skipped and SKUs already stocked are left alone.
 */
export const seedCatalog = async (app: INestApplicationContext, options: CatalogSeedOptions): Promise<CatalogSeedResult> => {
  const resolve = <T>(token: abstract new (...args: never[]) => T): T => app.get(token, { strict: false });
  const [db, clock] = [resolve(Database), resolve(Clock)];
  const [createCategory, importProducts, setStock] = [
    resolve(CreateCategoryHandler),
    resolve(ImportProductsHandler),
    resolve(SetStockLevelHandler),
  ];
  // each command its own correlation: what follows from one (a stock level copied into the catalog) does not wait for
  // the others, as in-process delivery keeps only the messages of one correlation in order
  const meta = (commandId = newId()): CommandMeta => ({ commandId, correlationId: newId(), now: clock.now() });

  const categories = seedCategories();
  for (const category of categories) {
    await createCategory.execute(category, meta()).catch((error: unknown) => {
      if (!(error instanceof CategorySlugTaken)) throw error;
    });
  }

  const batchSize = options.batchSize ?? 500;
  const result: CatalogSeedResult = { categories: categories.length, created: 0, skipped: 0, stocked: 0 };
  const report = (products: number) =>
    options.onProgress?.({ products, created: result.created, stocked: result.stocked, total: options.products });
  // stock is set while the next batches are imported: IMPORTERS import transactions at a time, several stock commands
  const pending: [sku: string, onHand: number][] = [];
  let importers = IMPORTERS;
  let nextBatch = 0;
  let done = 0;
  let failed = false;
  const stopOnFailure = (error: unknown) => {
    failed = true;
    throw error;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const stockWorker = async () => {
    while (!failed && (importers > 0 || pending.length > 0)) {
      const next = pending.pop();
      if (!next) await sleep(5);
      else {
        await setStock.execute({ sku: next[0], onHand: next[1] }, meta());
        result.stocked++;
      }
    }
  };
  const importer = async () => {
    try {
      for (let first = nextBatch; first < options.products && !failed; first = nextBatch) {
        nextBatch += batchSize;
        while (pending.length > batchSize * 4 && !failed) await sleep(10);
        const batch = Array.from({ length: Math.min(batchSize, options.products - first) }, (_, n) => seedProduct(first + n));
        const products = batch.map((b) => b.product);
        // a concurrent seeder may have written some of these meanwhile: the retry skips them
        const imported = await importProducts
          .execute(products, meta(`seed-${first}`))
          .catch((error: unknown) =>
            error instanceof SkuTaken ? importProducts.execute(products, meta(`seed-${first}-retry`)) : Promise.reject(error),
          );
        result.created += imported.created;
        result.skipped += imported.skipped;
        const stock = new Map(batch.flatMap((b) => [...b.stock]));
        // read-only look at inventory's table, as the composition root that seeds both contexts
        const { rows } = await db.query<{ sku: string }>('select sku from inventory.stock_levels where sku = any($1::text[])', [
          [...stock.keys()],
        ]);
        for (const { sku } of rows) stock.delete(sku);
        pending.push(...stock);
        report((done += batch.length));
      }
    } finally {
      importers--;
    }
  };
  await Promise.all(
    [...Array.from({ length: IMPORTERS }, importer), ...Array.from({ length: options.concurrency ?? 6 }, stockWorker)].map((work) =>
      work.catch(stopOnFailure),
    ),
  );
  report(options.products);
  return result;
};
