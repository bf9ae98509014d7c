// Catalog read benchmark: autocannon with N connections against a running instance, on a catalog of at least
// CATALOG_PRODUCTS products (seeded first when smaller, then waited for until every product shows its stock):
//   list            GET /api/v1/products?limit=20 (anonymous: 20 products with prices and stock)
//   search          GET /api/v1/search with facets, a fixed mix of queries, filters and sorts
//   search-uncached the same mix with a different price bound on every request (no response is served from memory)
// It reports requests/s and p50/p95/p99 of each and writes bench/results/catalog-<scenario>.json.
//
//   RATE_LIMITS=off npm start                 # the server, without request rate limits (every connection shares one address)
//   BASE_URL=http://127.0.0.1:3000 CONNECTIONS=50 DURATION_S=20 npm run bench:catalog
//
// Seeding runs `npm run seed` with this environment (DATABASE_URL, or DATA_DIR of the embedded default), so it must
// reach the same database as the server.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { percentile, requireUnlimitedServer } from './lib.mjs';

const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.DURATION_S ?? 20);
const WARMUP_S = Number(process.env.WARMUP_S ?? 3);
const CATALOG_PRODUCTS = Number(process.env.CATALOG_PRODUCTS ?? 10_000);
const SCENARIOS = (process.env.SCENARIOS ?? 'list,search,search-uncached').split(',');
const SETTLE_TIMEOUT_S = Number(process.env.SETTLE_TIMEOUT_S ?? 1800);

const getJson = async (path) => {
  const res = await fetch(`${BASE_URL}${path}`);
  if (!res.ok) throw new Error(`GET ${path} → ${res.status} ${(await res.text()).slice(0, 200)}`);
  return res.json();
};

/** Published products, and how many of them show stock (from the availability facet of an unfiltered search). */
const catalogSize = async () => {
  const { facets } = await getJson('/api/v1/search?limit=1');
  return { total: facets.availability.inStock + facets.availability.outOfStock, inStock: facets.availability.inStock };
};

const ensureCatalog = async () => {
  let size = await catalogSize();
  if (size.total < CATALOG_PRODUCTS) {
    console.log(`catalog has ${size.total} products: seeding ${CATALOG_PRODUCTS}`);
    // not spawnSync: a blocked event loop would miss the server closing idle pooled connections meanwhile
    const seed = spawn('npm', ['run', 'seed', '--', '--products', String(CATALOG_PRODUCTS)], { stdio: 'inherit', env: process.env });
    const [code] = await once(seed, 'exit');
    if (code !== 0) throw new Error('seeding failed');
  }
  // every seeded product has stock; the server's consumers copy it into the catalog after the seed
  const started = Date.now();
  for (;;) {
    size = await catalogSize();
    process.stderr.write(`\rcatalog: ${size.total} products, ${size.inStock} showing stock   `);
    if (size.total >= CATALOG_PRODUCTS && size.inStock >= CATALOG_PRODUCTS) break;
    if (Date.now() - started > SETTLE_TIMEOUT_S * 1000) throw new Error('the catalog did not show its stock in time');
    await new Promise((r) => setTimeout(r, 2000));
  }
  process.stderr.write('\n');
  return size;
};

const QUERIES = [
  'shirt',
  'organic cotton',
  'tshirt',
  'linen tee',
  'leather boot',
  'lamp',
  'wool sweater',
  'phone 128',
  'cookbok',
  'ceramic mug',
  '',
  '',
];
const FILTERS = ['', '&category=apparel', '&category=living', '&inStock=true', '&minPrice=2000&maxPrice=8000', '&option=Color:Navy'];
const SORTS = ['', '&sort=price_asc', '&sort=rating'];
const searchPaths = QUERIES.flatMap((q, i) =>
  FILTERS.map((f, j) => `/api/v1/search?limit=20${q ? `&q=${encodeURIComponent(q)}` : ''}${f}${SORTS[(i + j) % SORTS.length]}`),
);

const REQUESTS = {
  list: () => '/api/v1/products?limit=20',
  search: (n) => searchPaths[n % searchPaths.length],
  // a price bound no other request uses (below every price, or widening the range): the cache cannot answer it
  'search-uncached': (n) => {
    const path = searchPaths[n % searchPaths.length];
    return path.includes('maxPrice=') ? path.replace('maxPrice=8000', `maxPrice=${8000 + (n % 5000)}`) : `${path}&minPrice=${n % 1000}`;
  },
};

const run = (scenario, durationS, record) =>
  new Promise((resolve, reject) => {
    let n = 0;
    const latencies = [];
    const statuses = {};
    const instance = autocannon(
      {
        url: BASE_URL,
        connections: CONNECTIONS,
        duration: durationS,
        requests: [{ setupRequest: (req) => ({ ...req, path: REQUESTS[scenario](n++) }) }],
      },
      (error, result) => (error ? reject(error) : resolve({ result, latencies: latencies.sort((a, b) => a - b), statuses })),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (!record) return;
      latencies.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
  });

const main = async () => {
  console.log(`catalog benchmark: ${CONNECTIONS} connections, ${DURATION_S}s each (+${WARMUP_S}s warm-up) against ${BASE_URL}`);
  await requireUnlimitedServer(BASE_URL);
  const size = await ensureCatalog();
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  for (const scenario of SCENARIOS) {
    if (WARMUP_S > 0) await run(scenario, WARMUP_S, false);
    const { result, latencies, statuses } = await run(scenario, DURATION_S, true);
    const summary = {
      scenario: `catalog-${scenario}`,
      label: scenario,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      products: size.total,
      requestsPerSecond: Math.round(latencies.length / DURATION_S),
      p50Ms: +percentile(latencies, 50).toFixed(1),
      p95Ms: +percentile(latencies, 95).toFixed(1),
      p99Ms: +percentile(latencies, 99).toFixed(1),
      statuses,
      errors: result.errors + result.timeouts + result.non2xx,
      node: process.version,
      at: new Date().toISOString(),
    };
    console.log(JSON.stringify(summary, null, 2));
    writeFileSync(new URL(`./results/catalog-${scenario}.json`, import.meta.url), JSON.stringify(summary, null, 2) + '\n');
  }
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
