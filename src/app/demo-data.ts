import type { INestApplication } from '@nestjs/common';
import { Presets, SingleBar } from 'cli-progress';
import { CategorySlugTaken, CreateCategoryHandler } from '../contexts/catalog/application/create-category';
import { CreateProductHandler } from '../contexts/catalog/application/create-product';
import { SkuTaken } from '../contexts/catalog/domain/variants';
import { SetStockLevelHandler } from '../contexts/inventory/application/set-stock-level';
import type { CommandMeta } from '../platform/event-store/event-store';
import { Database } from '../platform/persistence/database';
import { Clock } from '../shared-kernel/clock';
import { newId } from '../shared-kernel/ids';

export type SeedOptions = {
  /** how many products (default 120) */
  products?: number;
  /** called after each category and product; without it, a progress bar is drawn on a terminal */
  onProgress?: (done: number, total: number) => void;
  /** commands in flight at once (default 8) */
  concurrency?: number;
};

export type SeedResult = { seeded: boolean; categories: number; products: number };

type Range = {
  slug: string;
  name: string;
  prefix: string;
  items: [name: string, cents: number][];
  variants: [name: string, extraCents: number][];
};

const CATALOG: Range[] = [
  {
    slug: 'kitchen',
    name: 'Kitchen',
    prefix: 'KIT',
    items: [
      ['Espresso Cup', 899],
      ['Chef Knife', 4999],
      ['Cast Iron Pan', 3999],
      ['Cutting Board', 2499],
      ['Pour-Over Kettle', 5499],
      ['Salad Bowl', 1999],
    ],
    variants: [
      ['Classic', 0],
      ['Slate Grey', 200],
      ['Copper Edition', 1000],
    ],
  },
  {
    slug: 'home',
    name: 'Home & Living',
    prefix: 'HOM',
    items: [
      ['Linen Cushion', 2999],
      ['Wool Throw', 6999],
      ['Ceramic Vase', 3499],
      ['Scented Candle', 1899],
      ['Wall Clock', 4499],
      ['Table Lamp', 7999],
    ],
    variants: [
      ['Natural', 0],
      ['Sage Green', 300],
      ['Midnight Blue', 300],
    ],
  },
  {
    slug: 'outdoor',
    name: 'Outdoor',
    prefix: 'OUT',
    items: [
      ['Trail Backpack', 8999],
      ['Camping Mug', 1499],
      ['Headlamp', 2999],
      ['Water Bottle', 1999],
      ['Folding Chair', 4999],
      ['Rain Jacket', 12999],
    ],
    variants: [
      ['Standard', 0],
      ['Forest', 500],
      ['Ultralight', 2000],
    ],
  },
  {
    slug: 'electronics',
    name: 'Electronics',
    prefix: 'ELE',
    items: [
      ['Wireless Earbuds', 7999],
      ['USB-C Charger', 2999],
      ['Bluetooth Speaker', 5999],
      ['Power Bank', 3999],
      ['Desk Lamp LED', 4599],
      ['Mechanical Keyboard', 10999],
    ],
    variants: [
      ['Black', 0],
      ['White', 0],
      ['Pro', 3000],
    ],
  },
  {
    slug: 'books',
    name: 'Books',
    prefix: 'BOK',
    items: [
      ['Field Guide to Birds', 2499],
      ['Sourdough Handbook', 2999],
      ['City Atlas', 3999],
      ['Poetry Collection', 1799],
      ['History of Tea', 2299],
      ['Night Sky Almanac', 1999],
    ],
    variants: [
      ['Paperback', 0],
      ['Hardcover', 1000],
      ['Illustrated Edition', 1500],
    ],
  },
  {
    slug: 'toys',
    name: 'Toys & Games',
    prefix: 'TOY',
    items: [
      ['Wooden Train Set', 3999],
      ['Puzzle 1000 Pieces', 1999],
      ['Board Game Classics', 3499],
      ['Plush Bear', 2499],
      ['Kite', 2799],
      ['Building Blocks', 4499],
    ],
    variants: [
      ['Classic', 0],
      ['Deluxe', 1500],
      ['Travel Size', -500],
    ],
  },
];

/**
 * The i-th demo product: names cycle through every range, items and variants; later rounds are numbered series.
 * Fixed SKU, name, category, price and stock, so a seed can resume where it stopped.
 */
export const demoProduct = (i: number) => {
  const range = CATALOG[i % CATALOG.length];
  const n = Math.floor(i / CATALOG.length);
  const [item, cents] = range.items[n % range.items.length];
  const [variant, extra] = range.variants[Math.floor(n / range.items.length) % range.variants.length];
  const series = Math.floor(n / (range.items.length * range.variants.length));
  return {
    sku: `${range.prefix}-${String(i + 1).padStart(4, '0')}`,
    name: `${item}, ${variant}${series > 0 ? ` (Series ${series + 1})` : ''}`,
    description: `${variant} ${item.toLowerCase()} from our ${range.name.toLowerCase()} range.`,
    category: range.slug,
    price: { amount: Math.max(99, cents + extra), currency: 'EUR' },
    onHand: i % 17 === 0 ? 3 : 20 + ((i * 37) % 180),
  };
};

const ignore =
  (...kinds: (abstract new (...args: never[]) => Error)[]) =>
  (error: unknown) => {
    if (!kinds.some((kind) => error instanceof kind)) throw error;
  };

/**
 * Fills an empty catalog with demo categories, products (EUR prices) and their stock, through the same handlers the
 * API uses. Resumable: the demo SKUs are fixed, so a seed cut short (a Ctrl-C during the first start) is completed on
 * the next start, and a concurrent seeder's rows are skipped, not duplicated. A catalog with products but none of the
 * demo SKUs is a store's own and is left alone.
 */
export const seedDemoData = async (app: INestApplication, options: SeedOptions = {}): Promise<SeedResult> => {
  const resolve = <T>(token: abstract new (...args: never[]) => T): T => app.get(token, { strict: false });
  const db = resolve(Database);
  const count = options.products ?? 120;
  const skus = Array.from({ length: count }, (_, i) => demoProduct(i).sku);
  // read-only look at two contexts' tables, as the composition root that seeds them both
  const { rows } = await db.query<{ products: string; demo: string; stocked: string }>(
    `select (select count(*) from catalog.products) as products,
            (select count(*) from catalog.variants where sku = any($1::text[])) as demo,
            (select count(*) from inventory.stock_levels where sku = any($1::text[])) as stocked`,
    [skus],
  );
  const [products, demo, stocked] = [rows[0].products, rows[0].demo, rows[0].stocked].map(Number);
  const ownCatalog = products > 0 && demo === 0;
  if (ownCatalog || (demo === count && stocked === count)) return { seeded: false, categories: 0, products: 0 };
  const { rows: stockedRows } = await db.query<{ sku: string }>('select sku from inventory.stock_levels where sku = any($1::text[])', [
    skus,
  ]);
  const hasStock = new Set(stockedRows.map((r) => r.sku));

  const clock = resolve(Clock);
  const correlationId = newId();
  const meta = (): CommandMeta => ({ commandId: newId(), correlationId, now: clock.now() });
  const [createCategory, createProduct, setStockLevel] = [
    resolve(CreateCategoryHandler),
    resolve(CreateProductHandler),
    resolve(SetStockLevelHandler),
  ];

  const total = CATALOG.length + count;
  const bar =
    options.onProgress || !process.stdout.isTTY
      ? undefined
      : new SingleBar({ format: 'Demo data [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic);
  let done = 0;
  const step = () => {
    done++;
    options.onProgress?.(done, total);
    bar?.update(done);
  };
  bar?.start(total, 0);
  try {
    for (const { slug, name } of CATALOG) {
      await createCategory.execute({ slug, name }, meta()).catch(ignore(CategorySlugTaken));
      step();
    }
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) {
        const { onHand, ...product } = demoProduct(i);
        await createProduct.execute(product, meta()).catch(ignore(SkuTaken));
        if (!hasStock.has(product.sku)) await setStockLevel.execute({ sku: product.sku, onHand }, meta());
        step();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  } finally {
    bar?.stop();
  }
  if (!bar && !options.onProgress) console.log(`demo data: ${CATALOG.length} categories, ${count} products with stock`);
  return { seeded: true, categories: CATALOG.length, products: count };
};
