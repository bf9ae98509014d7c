// Checkout benchmark: N concurrent shoppers repeat the whole journey against a running instance —
// add 2 items to the cart, check out, wait until the order is confirmed — and report confirmed checkouts/s, the
// journey's p50/p95/p99 and, from PostgreSQL's own counters, what a journey and the idle server cost the database.
//
//   RATE_LIMITS=off npm start                 # the server, without request rate limits (every shopper shares one address)
//   BASE_URL=http://127.0.0.1:3000 SHOPPERS=50 DURATION_S=30 npm run bench:checkout
//
// It logs in as the admin to stock the SKUs it buys: ORDERLY_ADMIN_EMAIL / ORDERLY_ADMIN_PASSWORD as given to the
// server, or the password the embedded default generated in DATA_DIR/admin-password. It reads the counters from
// BENCH_DATABASE_URL, or from the embedded default's database on EMBEDDED_PG_PORT; IDLE_S (default 10, 0 skips) is
// how long it watches the idle server afterwards. RESULT_FILE replaces bench/results/checkout-<SHOPPERS>.json.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBudgets, measureDatabase } from './budgets.mjs';
import { percentile, progress, requireUnlimitedServer } from './lib.mjs';
import { connectCounters } from './pg-counters.mjs';

const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const SHOPPERS = Number(process.env.SHOPPERS ?? 10);
const DURATION_S = Number(process.env.DURATION_S ?? 30);
const WARMUP_S = Number(process.env.WARMUP_S ?? 3);
const ADMIN_EMAIL = process.env.ORDERLY_ADMIN_EMAIL ?? 'admin@orderly.local';
// the embedded default keeps a generated admin password in DATA_DIR/admin-password
const DATA_DIR = process.env.DATA_DIR ?? '.data';
const ADMIN_PASSWORD =
  process.env.ORDERLY_ADMIN_PASSWORD ??
  (existsSync(`${DATA_DIR}/admin-password`) ? readFileSync(`${DATA_DIR}/admin-password`, 'utf8').trim() : '');
const POLL_MS = Number(process.env.POLL_MS ?? 20);
const IDLE_S = Number(process.env.IDLE_S ?? 10);
const RESULT_FILE = process.env.RESULT_FILE
  ? resolve(process.env.RESULT_FILE)
  : fileURLToPath(new URL(`./results/checkout-${SHOPPERS}.json`, import.meta.url));
const JOURNEY_TIMEOUT_MS = 30_000;
// RFC 7240: the server answers once the order is confirmed or cancelled, or after this long with the state so far
const PREFER_WAIT = { prefer: 'wait=10' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const request = async (method, path, { token, body, headers = {} } = {}) => {
  const res = await fetch(`${BASE_URL}/api/v1${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`);
  return { json, headers: res.headers };
};

const api = async (method, path, options) => (await request(method, path, options)).json;

// a server that does not honour Prefer answers at once without Preference-Applied: the journey then polls
const waitApplied = (headers) => /(^|[\s,;])wait=/i.test(headers.get('preference-applied') ?? '');
const preferWait = { asked: 0, applied: 0 };
const askWaiting = async (method, path, options) => {
  const response = await request(method, path, { ...options, headers: { ...options.headers, ...PREFER_WAIT } });
  preferWait.asked++;
  if (waitApplied(response.headers)) preferWait.applied++;
  return response;
};
const settled = (order) => (order?.status === 'confirmed' || order?.status === 'cancelled' ? order.status : undefined);

const login = async (email, password) => (await api('POST', '/auth/login', { body: { email, password } })).accessToken;

const setup = async () => {
  const admin = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
  let { items } = await api('GET', '/products?limit=20');
  if (items.length < 2) {
    // an empty store (a real DATABASE_URL is not seeded with demo data): bring 20 products of our own
    const slug = `bench-${Date.now().toString(36)}`;
    await api('POST', '/categories', { token: admin, body: { slug, name: 'Benchmark' } });
    for (let i = 0; i < 20; i++) {
      const body = { sku: `${slug}-${i}`, name: `Benchmark item ${i}`, category: slug, price: { amount: 1000 + i, currency: 'EUR' } };
      await api('POST', '/products', { token: admin, body });
    }
    ({ items } = await api('GET', `/products?limit=20&category=${slug}`));
  }
  // plenty of stock: the benchmark measures checkout, not running out
  for (const p of items) await api('PUT', `/inventory/${encodeURIComponent(p.sku)}`, { token: admin, body: { onHand: 10_000_000 } });
  // a shipping method to Germany: the store's cheapest, or one of our own in an empty store
  let [method] = (await api('GET', '/shipping-methods?country=DE&currency=EUR')).items;
  if (!method) {
    const body = {
      code: `bench-${Date.now().toString(36)}`,
      name: 'Benchmark parcel',
      countries: 'all',
      currency: 'EUR',
      rate: { type: 'flat', amount: 490 },
    };
    method = await api('POST', '/shipping-methods', { token: admin, body });
  }
  const shoppers = [];
  for (let i = 0; i < SHOPPERS; i++) {
    const email = `bench-${Date.now().toString(36)}-${i}@example.com`;
    await api('POST', '/auth/register', { body: { email, password: 'bench-password-1', name: `Shopper ${i}` } });
    shoppers.push({ token: await login(email, 'bench-password-1') });
  }
  return { skus: items.map((p) => p.sku), shoppers, shippingMethod: method.code };
};

const address = { name: 'Bench Shopper', line1: '1 Load Street', city: 'Berlin', postalCode: '10115', country: 'DE' };

const journey = async (shopper, skus, shippingMethod) => {
  const a = skus[Math.floor(Math.random() * skus.length)];
  const b = skus[Math.floor(Math.random() * skus.length)];
  await api('POST', '/cart/items', { token: shopper.token, body: { sku: a, quantity: 1 } });
  await api('POST', '/cart/items', { token: shopper.token, body: { sku: b, quantity: 1 } });
  // the answer is the order (with its status) from a server that waits, { orderId } from one that does not
  const { json: placed } = await askWaiting('POST', '/checkout', {
    token: shopper.token,
    headers: { 'idempotency-key': randomUUID() },
    body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod },
  });
  if (settled(placed)) return settled(placed);
  const orderId = placed.orderId ?? placed.id;
  const deadline = Date.now() + JOURNEY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { json: order, headers } = await askWaiting('GET', `/orders/${orderId}`, { token: shopper.token });
    if (settled(order)) return settled(order);
    if (!waitApplied(headers)) await sleep(POLL_MS);
  }
  return 'timeout';
};

const run = async () => {
  console.log(`checkout benchmark: ${SHOPPERS} shoppers, ${DURATION_S}s (+${WARMUP_S}s warm-up) against ${BASE_URL}`);
  await requireUnlimitedServer(BASE_URL);
  const { counters, reason: noCounters } = await connectCounters();
  const { skus, shoppers, shippingMethod } = await setup();
  const latencies = [];
  const outcomes = { confirmed: 0, cancelled: 0, timeout: 0, error: 0 };
  const startAt = performance.now();
  const measureFrom = startAt + WARMUP_S * 1000;
  const endAt = measureFrom + DURATION_S * 1000;
  // the counters' window opens with the measured one; a failure is reported with the budgets, the run goes on
  const windowStart = counters && sleep(WARMUP_S * 1000).then(() => counters.snapshot());
  windowStart?.catch(() => undefined);
  const ticker = progress(DURATION_S + WARMUP_S, () => `${outcomes.confirmed} confirmed`);
  let firstError;
  await Promise.all(
    shoppers.map(async (shopper) => {
      while (performance.now() < endAt) {
        const t0 = performance.now();
        let outcome;
        try {
          outcome = await journey(shopper, skus, shippingMethod);
        } catch (e) {
          outcome = 'error';
          firstError ??= e;
        }
        if (t0 >= measureFrom) {
          outcomes[outcome]++;
          if (outcome === 'confirmed') latencies.push(performance.now() - t0);
        }
      }
    }),
  );
  ticker.stop();
  latencies.sort((x, y) => x - y);
  const result = {
    scenario: 'checkout',
    shoppers: SHOPPERS,
    durationS: DURATION_S,
    confirmedPerSecond: +(outcomes.confirmed / DURATION_S).toFixed(1),
    p50Ms: +percentile(latencies, 50).toFixed(1),
    p95Ms: +percentile(latencies, 95).toFixed(1),
    p99Ms: +percentile(latencies, 99).toFixed(1),
    outcomes,
    preferWaitApplied: preferWait.asked > 0 && preferWait.applied === preferWait.asked,
    perJourney: null,
    idle: null,
    node: process.version,
    at: new Date().toISOString(),
  };
  if (counters) {
    console.error(`reading PostgreSQL's counters${IDLE_S > 0 ? `, then watching the idle server for ${IDLE_S}s` : ''}…`);
    try {
      Object.assign(result, await measureDatabase(counters, windowStart, { confirmed: outcomes.confirmed, idleSeconds: IDLE_S }));
    } catch (e) {
      result.budgetsNotMeasured = e instanceof Error ? e.message : String(e);
    } finally {
      await counters.close();
    }
  } else {
    result.budgetsNotMeasured = `the database cannot be reached: ${noCounters}`;
  }
  console.log(JSON.stringify(result, null, 2));
  if (firstError) console.error('first error:', firstError.message);
  if (!preferWait.applied) console.log(`the server does not honour Prefer: wait: the journeys polled every ${POLL_MS} ms`);
  console.log(result.perJourney ? formatBudgets(result) : `budgets not measured: ${result.budgetsNotMeasured}`);
  mkdirSync(dirname(RESULT_FILE), { recursive: true });
  writeFileSync(RESULT_FILE, JSON.stringify(result, null, 2) + '\n');
};

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
