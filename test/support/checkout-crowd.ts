import { randomUUID } from 'node:crypto';
import { type ApiReply, describeReply, eventually, expectStatus } from './http-client';
import { ADDRESS, type Customer, type JourneyTarget, openShop } from './http-shop';
import { countOf, type ServiceDatabase } from './service-databases';

/**
 * Many customers checking out at once through the public API, for the services' fault tests: a shop with a few SKUs
 * in ample stock, customers created once and reused round after round, and checkouts sent without waiting for their
 * outcome. A request that meets a service being restarted (502, 503, 504, or its Idempotency-Key still held by the
 * crashed request) is sent again with the same key, as a client would, until a deadline.
 */

/** Units of each SKU: far more than every round of every test orders. */
const STOCK_PER_SKU = 100_000;
/** Customers created at once: each registration and login costs an argon2 hash in identity. */
const CREATION_CONCURRENCY = 6;
/** How long one request is retried while the service behind it comes back. */
const RETRY_DEADLINE_MS = 150_000;
const RETRY_PAUSE_MS = 500;

export type Crowd = {
  target: JourneyTarget;
  customers: Customer[];
  skus: string[];
  productIds: string[];
  shippingMethod: string;
  api: Awaited<ReturnType<typeof openShop>>['api'];
};

/** Runs `work` over `items` with at most `limit` at once. */
const inBatches = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
};

/** A shop with `skuCount` SKUs in ample stock, its own shipping method, and `size` customers logged in. */
export const gatherCrowd = async (target: JourneyTarget, size: number, skuCount = 3): Promise<Crowd> => {
  const shop = await openShop(target);
  const shippingMethod = `faults-${shop.tag}`;
  const method = { code: shippingMethod, name: 'Faults standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
  expectStatus(await shop.api.post('/shipping-methods', { token: target.adminToken, body: method }), 201);
  const products: { productId: string; sku: string }[] = [];
  for (let i = 0; i < skuCount; i++) products.push(await shop.product(STOCK_PER_SKU));
  const customers = await inBatches(
    Array.from({ length: size }, (_, i) => i),
    CREATION_CONCURRENCY,
    () => shop.customer(),
  );
  const skus = products.map((product) => product.sku);
  return { target, customers, skus, productIds: products.map((product) => product.productId), shippingMethod, api: shop.api };
};

/** Whether an answer is the passing failure of a service being restarted, for a client to send the request again. */
const isTransient = (reply: ApiReply): boolean =>
  [502, 503, 504].includes(reply.status) || (reply.status === 409 && reply.body.code === 'idempotency.request_in_flight');

/** Sends a request until its answer is not transient (bounded); the same Idempotency-Key every time. */
const sendUntilAnswered = async (send: () => Promise<ApiReply>): Promise<ApiReply> => {
  const deadline = Date.now() + RETRY_DEADLINE_MS;
  for (;;) {
    let reply: ApiReply | undefined;
    let failure: unknown;
    try {
      reply = await send();
    } catch (error) {
      failure = error; // no answer at all: the connection broke with the process behind it
    }
    if (reply && !isTransient(reply)) return reply;
    if (Date.now() > deadline) {
      throw new Error(`no lasting answer within ${RETRY_DEADLINE_MS / 1000} s: ${reply ? describeReply(reply) : String(failure)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
  }
};

/** One customer's checkout of a round: whom, and the order the API answered with. */
export type PlacedCheckout = { customer: Customer; orderId: string };

/**
 * Every customer of the crowd puts one unit of a SKU (round-robin over the shop's SKUs) in their cart and checks out
 * at once, without `Prefer: wait`: resolves once every checkout has been answered 202 (placed), with the order ids.
 * Each customer's cart must be empty (their previous order's lines gone: see `cartsEmptied`).
 */
export const checkOutAll = async (crowd: Crowd, paymentToken = 'tok_approve', customers = crowd.customers): Promise<PlacedCheckout[]> =>
  Promise.all(
    customers.map(async (customer, i) => {
      const item = { sku: crowd.skus[i % crowd.skus.length], quantity: 1 };
      const addKey = randomUUID();
      const added = await sendUntilAnswered(() =>
        crowd.api.post('/cart/items', { token: customer.token, body: item, idempotencyKey: addKey }),
      );
      expectStatus(added, 200);
      const body = { paymentToken, shippingAddress: ADDRESS, shippingMethod: crowd.shippingMethod };
      const checkoutKey = randomUUID();
      const placed = await sendUntilAnswered(() =>
        crowd.api.post('/checkout', { token: customer.token, body, idempotencyKey: checkoutKey }),
      );
      const { orderId } = expectStatus(placed as ApiReply<{ orderId: string }>, 202);
      return { customer, orderId };
    }),
  );

/** Waits (bounded) until the ordered lines have left every customer's cart, so that the next round's checkouts are new orders. */
export const cartsEmptied = async (crowd: Crowd): Promise<void> => {
  await inBatches(crowd.customers, 16, (customer) =>
    eventually(
      `the cart of ${customer.email} to be empty`,
      () => crowd.api.get<{ items?: unknown[] }>('/cart', { token: customer.token }),
      (cart) => cart.status === 200 && cart.body.items?.length === 0,
    ),
  );
};

export type OrderEnd = { id: string; status: string; cancellation_reason: string | null };

/** The orders of the crowd's customers, in ordering's database. */
export const crowdOrders = (ordering: ServiceDatabase, crowd: Crowd): Promise<OrderEnd[]> =>
  ordering.rows<OrderEnd>(`select id::text as id, status, cancellation_reason from ordering.orders where customer_id = any($1::text[])`, [
    crowd.customers.map((c) => c.id),
  ]);

/**
 * Waits (bounded) until none of `orderIds` is still placed in ordering's database, and answers how each ended; the
 * error names the orders still open.
 */
export const ordersEnded = async (ordering: ServiceDatabase, orderIds: readonly string[], timeoutMs: number): Promise<OrderEnd[]> => {
  const read = () =>
    ordering.rows<OrderEnd>(`select id::text as id, status, cancellation_reason from ordering.orders where id = any($1::uuid[])`, [
      orderIds,
    ]);
  const ended = await eventually(
    `${orderIds.length} orders to be confirmed or cancelled`,
    async () => {
      const rows = await read();
      return { total: rows.length, open: rows.filter((r) => r.status === 'placed').map((r) => r.id), rows };
    },
    ({ total, open }) => total === orderIds.length && open.length === 0,
    { timeoutMs, intervalMs: 500 },
  );
  return ended.rows;
};

/** How far a service has got with the checkouts: a count in its own database that grows as it does its part. */
const PROGRESS: Readonly<Record<'ordering' | 'inventory' | 'payment', string>> = {
  ordering: `select count(*) as n from ordering.orders`,
  inventory: `select count(*) as n from es.events where type = 'StockReservationConfirmed'`,
  payment: `select count(*) as n from payment.ledger where kind = 'captured'`,
};

/** The service's progress count now. */
export const progressOf = (db: ServiceDatabase, context: keyof typeof PROGRESS): Promise<number> => countOf(db, PROGRESS[context]);
