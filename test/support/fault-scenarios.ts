import { expect, it } from 'vitest';
import { PaymentMessages } from '../../src/contexts/payment/contracts';
import { waitingMessages } from './broker-queues';
import { cartsEmptied, checkOutAll, ordersEnded } from './checkout-crowd';
import { checkoutPathViolations, type FaultWorld } from './fault-world';
import { type ApiReply, eventually, expectStatus } from './http-client';
import { type CheckoutService, killMidLoad } from './kill-mid-load';
import { checkOutOverTwoInstances } from './scale-out';
import { countOf } from './service-databases';
import { serviceProcess, startServiceAgain } from './service-instances';
import { askUntilCircuitsOpen } from './service-outage';

/**
 * The fault tests of the services topology that hold whatever the broker, defined against the world a spec file
 * opened (`openFaultWorld`) over RabbitMQ or NATS: services killed mid-load, services run twice, payment down.
 */

/** Checkouts placed while payment is down. */
const OUTAGE_CHECKOUTS = 20;
/** A round of checkouts with a fault in it: its waits are bounded each, this bounds the whole. */
const ROUND_MS = 420_000;

/** Whether the reply is a problem document (application/problem+json) with this status and code. */
export const isProblem = (reply: ApiReply, status: number, code: string): boolean =>
  reply.status === status && !!reply.headers.get('content-type')?.startsWith('application/problem+json') && reply.body.code === code;

/**
 * For each victim: every customer of the crowd checks out at once, the victim is killed with SIGKILL once it has done
 * its part of some checkouts, and started again. Every checkout still ends confirmed (ample stock, approved cards: a
 * cancellation would mean a message lost and timed out), one order each, and each service's database, and the
 * databases together, show nothing lost and nothing applied twice.
 */
export const itSurvivesKills = (world: () => FaultWorld, victims: readonly CheckoutService[]): void => {
  it.each(victims)(
    'a SIGKILL of %s mid-load: every checkout ends confirmed once, nothing lost or applied twice',
    async (victim) => {
      const outcome = await killMidLoad(world(), victim);
      expect(outcome.doneAtKill, `${victim} had done its part of every checkout before the kill`).toBeLessThan(outcome.checkouts);
      // one order per checkout: none lost with the process, none placed twice by a client's retry
      expect(outcome.placed.toSorted()).toEqual(outcome.answered.toSorted());
      expect(outcome.placed).toHaveLength(outcome.checkouts);
      expect(outcome.ended.filter((order) => order.status !== 'confirmed')).toEqual([]);
      expect(await checkoutPathViolations(world())).toEqual([]);
    },
    ROUND_MS,
  );
};

/** Two instances of inventory and of payment compete for their messages: both do some, none is done twice. */
export const itSharesWorkBetweenInstances = (world: () => FaultWorld): void => {
  it(
    'two instances of inventory and of payment share the checkouts, and none is reserved or captured twice',
    async () => {
      const round = await checkOutOverTwoInstances(world());
      expect(round.checkouts).toBe(world().crowd.customers.length);
      expect(round.ended.filter((order) => order.status !== 'confirmed')).toEqual([]);
      for (const [context, shares] of Object.entries(round.shares)) {
        for (const share of shares) expect(share.appended, `${share.name} did none of the ${context} work`).toBeGreaterThan(0);
        expect(shares.reduce((sum, share) => sum + share.appended, 0)).toBeGreaterThanOrEqual(round.checkouts);
      }
      expect(await checkoutPathViolations(world())).toEqual([]);
    },
    ROUND_MS,
  );
};

/**
 * Payment stopped (SIGTERM): both gateways refuse its routes with 503 problem+json, with Retry-After once their
 * circuits open, while the catalog and the cart answer as ever; checkouts placed meanwhile get their stock and wait,
 * placed, their payment requests held by the broker; payment started again charges each once and confirms it.
 */
export const itWaitsOutPaymentOutage = (world: () => FaultWorld): void => {
  it(
    'payment down: the gateways refuse its routes with 503 and Retry-After, the rest works, and checkouts wait to be charged once',
    async () => {
      const { crowd, dbs, topology, target, broker } = world();
      await cartsEmptied(crowd);
      // SIGTERM: payment drains and stops consuming; what is sent to it meanwhile stays with the broker
      await serviceProcess(topology, 'payment').stop();

      const placed = await checkOutAll(crowd, 'tok_approve', crowd.customers.slice(0, OUTAGE_CHECKOUTS));
      const orderIds = placed.map((checkout) => checkout.orderId);
      const paymentPath = `/payments/${orderIds[0]}`;
      const refusals = await askUntilCircuitsOpen(crowd.api, paymentPath, target.adminToken);
      expect(refusals.filter((reply) => !isProblem(reply, 503, 'gateway.upstream_unavailable'))).toEqual([]);
      expect(Number(refusals.at(-1)!.headers.get('retry-after'))).toBeGreaterThan(0);
      expectStatus(await crowd.api.get(`/products/${crowd.productIds[0]}`), 200);
      expectStatus(await crowd.api.get('/cart', { token: crowd.customers[0].token }), 200);

      await eventually(
        `the ${OUTAGE_CHECKOUTS} checkouts to ask payment for the money`,
        () =>
          countOf(
            dbs.ordering,
            `select count(*) as n from es.events where type = 'PaymentAuthorizationRequested' and data->>'orderId' = any($1)`,
            [orderIds],
          ),
        (asked) => asked === OUTAGE_CHECKOUTS,
      );
      await eventually(
        `the ${OUTAGE_CHECKOUTS} payment requests to wait in the broker`,
        () => waitingMessages(broker, topology.namespace, 'payment.commands', PaymentMessages.authorizePayment),
        (waiting) => waiting >= OUTAGE_CHECKOUTS,
      );
      const waitingOrders = await dbs.ordering.rows<{ status: string }>(`select status from ordering.orders where id = any($1::uuid[])`, [
        orderIds,
      ]);
      expect(waitingOrders.map((order) => order.status)).toEqual(orderIds.map(() => 'placed'));

      await startServiceAgain(topology, 'payment');
      const ended = await ordersEnded(dbs.ordering, orderIds, 120_000);
      expect(ended.filter((order) => order.status !== 'confirmed')).toEqual([]);
      // each gateway routes to payment again once its circuit let a trial request through
      const served = await eventually(
        `the gateways to serve ${paymentPath} again`,
        () => crowd.api.get<{ status: string }>(paymentPath, { token: target.adminToken }),
        (reply) => reply.status === 200,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(served.body.status).toBe('captured');
      expect(await checkoutPathViolations(world())).toEqual([]);
    },
    ROUND_MS,
  );
};
