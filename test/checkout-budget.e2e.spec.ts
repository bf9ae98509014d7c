import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPostgres, startEmbeddedPostgres } from '../src/platform/persistence/embedded-postgres';
import { SystemClock } from '../src/shared-kernel/clock';
import { newId } from '../src/shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from './support/app';
import { COUNTING_SETTINGS, connectCounters, type CounterDelta, type DatabaseCounters } from './support/database-counters';
import { until } from './support/invariants';

/**
 * What one checkout journey (2 cart adds, then the checkout until the order is confirmed, and everything it causes:
 * mails, analytics, catalog availability, cart cleanup, inventory commit) may cost the database. The targets
 * are ≤ 12 events, ≤ 40 rows, ≤ 20 KB of WAL and ≤ 8 write transactions; these are today's figures, lowered as the
 * levers land. A change that adds a subscriber or an event fits them, or changes them here, in the open.
 * The counting is exact (see database-counters.ts); what varies is the work, with timing: a subscriber takes the
 * journey's events in one batch or in two (its checkpoint saved once or twice). Measured over runs: 17 events, 93–96
 * rows, 50–53 write transactions, 54.8–55.4 KB of WAL (record sizes also vary a little with ids and pages); the
 * budget is the highest of each, rounded up a little. Alone, a journey pays every subscriber's batch by itself: under
 * load the batches are shared (the benchmark's per-journey figures are lower). Before the cart's first line carried
 * its start, the checkout's start asked for the stock itself and the catalog's copy of the stock levels kept no
 * inbox: 19 events, 102–106 rows, 58.6–59.3 KB.
 * Analytics then took its messages from the bus like every other context (so that it can run as a service of its
 * own), which is inherent cost: in one process its log consumer's checkpoint now commits apart from the handler's
 * writes (one more write transaction per batch, 3 in a journey), and the cart started, which no write of its own
 * guards, takes an inbox row (orders placed and confirmed guard themselves by order id and take none). Measured
 * before: 95 rows, 50 write transactions, 53.9 KB; after: 96–100 rows, 53–57 write transactions, 54.3–55.1 KB.
 */
const BUDGET = { events: 17, rowsWritten: 102, walBytes: 57_000, writeTransactions: 59 };

/** An idle server writes nothing and runs at most 2 statements a second. */
const IDLE_BUDGET = { walBytes: 0, writeTransactions: 0, statementsPerSecond: 2 };

// consumers that passed over events save their checkpoint 5 s later
const SKIPPED_CHECKPOINT_SAVE_MS = 6_000;
const IDLE_WINDOW_MS = 5_000;
const QUIET_MS = 1_000;
const APPLICATION_NAME = 'orderly-test';

const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('checkout budget (e2e, a PostgreSQL cluster of its own)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orderly-budget-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const port = 20000 + Math.floor(Math.random() * 20000);
  let log = '';
  let cluster: RunningPostgres | undefined;
  let t: TestApp | undefined;
  let counters: DatabaseCounters | undefined;
  let customer: LoggedIn;
  let skus: string[];
  let journey: CounterDelta;

  /**
   * Until nothing was written for QUIET_MS (bounded): the journey's asynchronous part has run its course. (The
   * consumers' lag cannot say it: a subscriber passing over events it does not want leaves its checkpoint behind.)
   */
  const settle = async () => {
    let last = await counters!.mark();
    await until(
      'the database to go quiet',
      async () => {
        await sleep(QUIET_MS);
        const now = await counters!.mark();
        const quiet = now.lsn === last.lsn && now.xmax === last.xmax;
        last = now;
        return quiet;
      },
      20_000,
      0,
    );
  };

  beforeAll(async () => {
    cluster = await startEmbeddedPostgres({
      dataDir: join(dir, 'pg'),
      port,
      settings: COUNTING_SETTINGS,
      onLog: (text) => void (log += text),
    });
    t = await bootTestApp({ databaseUrl: cluster.url, clock: new SystemClock(), background: true });
    counters = await connectCounters(cluster.url, () => log, APPLICATION_NAME);

    const admin = await t.registerAndLogin('admin');
    expect((await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } })).statusCode).toBe(
      201,
    );
    const free = { code: 'free', name: 'Free', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
    expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: free })).statusCode).toBe(201);
    const products: { id: string; sku: string }[] = [];
    for (const price of [1250, 990]) {
      const sku = `MUG-${newId().slice(-12)}`;
      const body = { sku, name: `Mug ${price}`, category: 'mugs', price: { amount: price, currency: 'EUR' } };
      const created = await t.inject('POST', '/api/v1/products', { token: admin.token, body });
      expect(created.statusCode, created.body).toBe(201);
      expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand: 10 } })).statusCode).toBe(200);
      products.push({ id: created.json<{ id: string }>().id, sku });
    }
    skus = products.map((p) => p.sku);
    customer = await t.registerAndLogin('customer');
    // the cart takes only what the catalog shows available, and the catalog learns of the stock through its subscriber
    for (const { id } of products) {
      await until(`product ${id} to show its stock`, async () => {
        const res = await t!.inject('GET', `/api/v1/products/${id}`);
        return res.statusCode === 200 && res.json<{ availableStock: number }>().availableStock > 0;
      });
    }
    await settle();
  });

  afterAll(async () => {
    await counters?.close();
    await t?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one checkout journey appends, writes and commits no more than its budget', async () => {
    const start = await counters!.mark();
    for (const sku of skus) {
      const added = await t!.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity: 1 } });
      expect(added.statusCode, added.body).toBe(200);
    }
    const checkout = await t!.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId(), prefer: 'wait=20' },
      body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'free' },
    });
    expect(checkout.statusCode, checkout.body).toBe(202);
    expect(checkout.json()).toMatchObject({ status: 'confirmed' });
    await settle();
    journey = await counters!.since(start);
    console.log(`one checkout journey: ${JSON.stringify(journey)} (budget ${JSON.stringify(BUDGET)})`);

    expect(journey.events, 'events appended').toBeLessThanOrEqual(BUDGET.events);
    expect(journey.rowsWritten, 'rows written').toBeLessThanOrEqual(BUDGET.rowsWritten);
    expect(journey.walBytes, 'WAL bytes').toBeLessThanOrEqual(BUDGET.walBytes);
    expect(journey.writeTransactions, 'write transactions').toBeLessThanOrEqual(BUDGET.writeTransactions);
  });

  it('an idle server writes no WAL and runs at most 2 statements a second', async () => {
    const settled = await counters!.mark();
    await sleep(SKIPPED_CHECKPOINT_SAVE_MS);
    const deferred = await counters!.since(settled);
    console.log(`after the journey settled, written while consumers may save skipped checkpoints: ${JSON.stringify(deferred)}`);

    const start = await counters!.mark();
    await sleep(IDLE_WINDOW_MS);
    const idle = await counters!.since(start);
    console.log(`idle: ${JSON.stringify(idle)} (budget ${JSON.stringify(IDLE_BUDGET)})`);

    expect(idle.walBytes, 'WAL bytes').toBe(IDLE_BUDGET.walBytes);
    expect(idle.writeTransactions, 'write transactions').toBe(IDLE_BUDGET.writeTransactions);
    expect(idle.statements / idle.seconds, 'statements per second').toBeLessThanOrEqual(IDLE_BUDGET.statementsPerSecond);
  });
});
