import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../platform/config';
import { InMemoryEventStore } from '../../../platform/event-store/in-memory.event-store';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { Inbox, type IntegrationMessage } from '../../../platform/messaging/message-bus';
import type { Database, Sql } from '../../../platform/persistence/database';
import { Scheduler, type ScheduledMessage } from '../../../platform/scheduling/scheduler';
import { ManualClock } from '../../../shared-kernel/clock';
import { CartContents, type CartSnapshot } from '../../cart/contracts';
import { ProductCatalog } from '../../catalog/contracts';
import { ShippingRates } from '../../shipping/contracts';
import { type CaptureMode, checkoutStream, checkoutTimeoutKey } from '../domain/checkout';
import { EmptyCart, orderStream } from '../domain/order';
import { CancelOrderHandler } from './cancel-order';
import { CheckoutProcess } from './checkout.process';
import { ConfirmOrderHandler } from './confirm-order';
import { PlaceOrderHandler } from './place-order';
import { toIntegrationEvent } from './to-integration-events';
import { CheckoutInputsSubscriber } from '../interface/checkout-inputs.subscriber';
import { InProcessMessageBus } from '../../../platform/messaging/in-process.message-bus';
import { Metrics } from '../../../platform/observability/metrics';

/** No tables, except the one-order-per-cart-version claim place-order makes (reset before each test). */
const claimedCarts = new Set<string>();
const noSql: Sql = {
  query: async (text: string, params?: unknown[]) => {
    if (!text.includes('insert into ordering.cart_checkouts')) return { rows: [], rowCount: 0 };
    const [cartId, , checkoutNumber, orderId] = params as [string, number, number, string];
    if (claimedCarts.has(`${cartId}#${checkoutNumber}`)) return { rows: [], rowCount: 0 };
    claimedCarts.add(`${cartId}#${checkoutNumber}`);
    return { rows: [{ order_id: orderId }] as never[], rowCount: 1 };
  },
};
const fakeDb = {
  query: noSql.query,
  transaction: async <T>(work: (tx: Sql) => Promise<T>) => work(noSql),
  close: async () => {},
} as unknown as Database;

class FakeScheduler extends Scheduler {
  scheduled: ScheduledMessage[] = [];
  cancelled: string[] = [];
  async schedule(messages: ScheduledMessage | readonly ScheduledMessage[]) {
    this.scheduled.push(...(Array.isArray(messages) ? messages : [messages]));
  }
  async cancel(keys: string | readonly string[]) {
    this.cancelled.push(...(typeof keys === 'string' ? [keys] : keys));
  }
  async deliverDue() {
    return 0;
  }
}
class FakeInbox extends Inbox {
  private readonly seen = new Set<string>();
  async handleOnce(subscriber: string, id: string, work: (tx: Sql) => Promise<void>) {
    if (this.seen.has(`${subscriber}/${id}`)) return false;
    await work(noSql);
    this.seen.add(`${subscriber}/${id}`);
    return true;
  }
  async handleEachOnce(subscriber: string, ids: readonly string[], work: (tx: Sql, fresh: ReadonlySet<string>) => Promise<void>) {
    const fresh = new Set(ids.filter((id) => !this.seen.has(`${subscriber}/${id}`)));
    if (fresh.size > 0) await work(noSql, fresh);
    for (const id of fresh) this.seen.add(`${subscriber}/${id}`);
  }
}
class FakeCarts extends CartContents {
  cart: CartSnapshot = {
    cartId: 'customer-1',
    version: 3,
    checkouts: 0,
    lines: [{ sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1250, currency: 'EUR' } }],
  };
  async getCart() {
    return this.cart;
  }
  async getCartForCheckout() {
    return this.cart;
  }
}

class FakeCatalog extends ProductCatalog {
  async findBySkus(skus: readonly string[]) {
    return skus.map((sku) => ({
      sku,
      productId: `p-${sku}`,
      name: sku,
      price: { amount: 1250, currency: 'EUR' },
      weightGrams: 300,
      published: true,
    }));
  }
}
class FakeShippingRates extends ShippingRates {
  async quoteAll() {
    return [];
  }
  async quote(code: string, _country: string, weightGrams: number, currency: string) {
    return code === 'standard' ? { code, name: 'Standard', price: { amount: weightGrams < 1000 ? 490 : 990, currency } } : null;
  }
}

const address = { name: 'Ada', line1: '1 Street', city: 'London', postalCode: 'N1', country: 'GB' };
const total = { amount: 2990, currency: 'EUR' };
let n = 0;
const message = (type: string, data: object): IntegrationMessage => ({
  id: `msg-${++n}`,
  type,
  occurredAt: '2026-03-01T10:00:00Z',
  correlationId: 'corr',
  data,
});

describe('place order + checkout process (in memory)', () => {
  let events: InMemoryEventStore;
  let scheduler: FakeScheduler;
  let carts: FakeCarts;
  let placeOrder: PlaceOrderHandler;
  let process: CheckoutProcess;
  let inbox: FakeInbox;
  /** One message as the bus hands it to the checkout's subscriber. */
  const deliver = (input: IntegrationMessage) =>
    new CheckoutInputsSubscriber(new InProcessMessageBus(), inbox, clock, process, new Metrics()).handleBatch([input]);
  const processCapturing = (capture: CaptureMode) =>
    new CheckoutProcess(events, scheduler, clock, new ConfirmOrderHandler(events), new CancelOrderHandler(events), {
      paymentCapture: capture,
    } as Config);
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const meta = (commandId = `cmd-${++n}`) => ({ commandId, correlationId: 'corr', userId: 'customer-1', now: clock.now() });
  const types = async (stream: string) => (await events.readStream(stream)).map((e) => e.type);
  const place = async (commandId?: string) =>
    (
      await placeOrder.execute(
        { customerId: 'customer-1', paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' },
        meta(commandId),
      )
    ).orderId;

  beforeEach(() => {
    claimedCarts.clear();
    events = new InMemoryEventStore();
    scheduler = new FakeScheduler();
    carts = new FakeCarts();
    placeOrder = new PlaceOrderHandler(fakeDb, events, scheduler, carts, new FakeCatalog(), new FakeShippingRates(), {
      checkoutTimeoutMs: 60_000,
    } as Config);
    process = processCapturing('immediate');
    inbox = new FakeInbox();
  });

  it('places the order and starts its checkout with a timeout; the token stays out of the order', async () => {
    const orderId = await place();
    expect(await types(orderStream(orderId))).toEqual(['OrderPlaced']);
    expect(await types(checkoutStream(orderId))).toEqual(['CheckoutStarted']);
    expect(JSON.stringify(await events.readStream(orderStream(orderId)))).not.toContain('tok_approve');
    expect(scheduler.scheduled).toEqual([
      expect.objectContaining({
        key: checkoutTimeoutKey(orderId),
        stream: checkoutStream(orderId),
        dueAt: new Date(clock.now().getTime() + 60_000),
      }),
    ]);
  });

  it('a repeated command is the same order, appended once', async () => {
    const orderId = await place('same-key');
    expect(await place('same-key')).toBe(orderId);
    expect(await types(orderStream(orderId))).toEqual(['OrderPlaced']);
    expect(await types(checkoutStream(orderId))).toEqual(['CheckoutStarted']);
  });

  it('refuses an empty cart', async () => {
    carts.cart = { ...carts.cart, lines: [] };
    await expect(place()).rejects.toBeInstanceOf(EmptyCart);
  });

  it('runs to a confirmed order and cancels its timeout: the capture comes with the authorization, unasked', async () => {
    const orderId = await place();
    await deliver(message('inventory.stock-reserved.v1', { orderId, lines: [] }));
    await deliver(message('payment.payment-authorized.v1', { orderId, amount: total }));
    await deliver(message('payment.payment-captured.v1', { orderId, amount: total }));
    expect(await types(checkoutStream(orderId))).toEqual(['CheckoutStarted', 'PaymentAuthorizationRequested', 'CheckoutCompleted']);
    expect(await types(orderStream(orderId))).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect(scheduler.cancelled).toEqual([checkoutTimeoutKey(orderId)]);
  });

  it('applies a batch in one go, in order: one checkout runs to its end, another takes its first step; a repeat changes nothing', async () => {
    const first = await place();
    carts.cart = { ...carts.cart, checkouts: carts.cart.checkouts + 1 };
    const second = await place();
    const batch = [
      message('inventory.stock-reserved.v1', { orderId: first, lines: [] }),
      message('inventory.stock-reserved.v1', { orderId: second, lines: [] }),
      message('payment.payment-authorized.v1', { orderId: first, amount: total }),
      message('payment.payment-captured.v1', { orderId: first, amount: total }),
    ];
    const inputs = new CheckoutInputsSubscriber(new InProcessMessageBus(), new FakeInbox(), clock, process, new Metrics());
    await inputs.handleBatch(batch);
    await inputs.handleBatch([...batch, batch[0]]);
    expect(await types(orderStream(first))).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect((await types(checkoutStream(first))).slice(1)).toEqual(['PaymentAuthorizationRequested', 'CheckoutCompleted']);
    expect(await types(orderStream(second))).toEqual(['OrderPlaced']);
    expect((await types(checkoutStream(second))).slice(1)).toEqual(['PaymentAuthorizationRequested']);
  });

  it('capturing on confirmation: asks for the capture once authorized, then confirms', async () => {
    process = processCapturing('on_confirmation');
    const orderId = await place();
    await deliver(message('inventory.stock-reserved.v1', { orderId, lines: [] }));
    await deliver(message('payment.payment-authorized.v1', { orderId, amount: total }));
    await deliver(message('payment.payment-captured.v1', { orderId, amount: total }));
    expect(await types(checkoutStream(orderId))).toEqual([
      'CheckoutStarted',
      'PaymentAuthorizationRequested',
      'PaymentCaptureRequested',
      'CheckoutCompleted',
    ]);
    expect(await types(orderStream(orderId))).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect(scheduler.cancelled).toEqual([checkoutTimeoutKey(orderId)]);
  });

  it('a decline releases the stock and cancels the order; a duplicate message changes nothing', async () => {
    const orderId = await place();
    await deliver(message('inventory.stock-reserved.v1', { orderId }));
    const declined = message('payment.payment-declined.v1', { orderId, reason: 'card_declined' });
    await deliver(declined);
    await deliver(declined);
    await deliver(message('payment.payment-declined.v1', { orderId, reason: 'card_declined' }));
    expect((await types(checkoutStream(orderId))).slice(2)).toEqual(['CheckoutFailed', 'StockReleaseRequested']);
    const cancelled = (await events.readStream(orderStream(orderId)))[1];
    expect(cancelled).toMatchObject({ type: 'OrderCancelled', data: { reason: 'payment_declined' } });
  });

  it('the timeout cancels a checkout still running, and a late capture is refunded', async () => {
    const orderId = await place();
    await deliver(message('inventory.stock-reserved.v1', { orderId }));
    await deliver(message('payment.payment-authorized.v1', { orderId, amount: total }));
    const [timedOut] = (
      await events.append(checkoutStream(orderId), [{ type: 'CheckoutTimedOut', data: { orderId } }], {
        expectedVersion: 'any',
        meta: meta(),
      })
    ).events;
    await process.timeouts.handle(timedOut, noSql);
    await deliver(message('payment.payment-captured.v1', { orderId, amount: total }));
    expect((await types(checkoutStream(orderId))).slice(2)).toEqual([
      'CheckoutTimedOut',
      'CheckoutFailed',
      'StockReleaseRequested',
      'PaymentVoidRequested',
      'PaymentRefundRequested',
    ]);
    expect((await events.readStream(orderStream(orderId)))[1]).toMatchObject({ type: 'OrderCancelled', data: { reason: 'timeout' } });
  });

  it('a capture at once that failed: the order is cancelled, the authorization voided and the void acknowledged', async () => {
    const orderId = await place();
    await deliver(message('inventory.stock-reserved.v1', { orderId }));
    await deliver(message('payment.payment-authorized.v1', { orderId, amount: total }));
    await deliver(message('payment.payment-failed.v1', { orderId, reason: 'capture_refused', operation: 'capture' }));
    await deliver(message('payment.payment-voided.v1', { orderId }));
    expect((await types(checkoutStream(orderId))).slice(2)).toEqual([
      'CheckoutFailed',
      'StockReleaseRequested',
      'PaymentVoidRequested',
      'PaymentVoidAcknowledged',
    ]);
    expect((await events.readStream(orderStream(orderId)))[1]).toMatchObject({
      type: 'OrderCancelled',
      data: { reason: 'payment_failed' },
    });
  });

  it('translates the checkout outputs into command messages; the token travels only to payment', async () => {
    const orderId = await place();
    await deliver(message('inventory.stock-reserved.v1', { orderId }));
    const recorded: RecordedEvent[] = [
      ...(await events.readStream(orderStream(orderId))),
      ...(await events.readStream(checkoutStream(orderId))),
    ];
    const wire = recorded.map(toIntegrationEvent).filter((m): m is IntegrationMessage => m !== null && !Array.isArray(m));
    expect(wire.map((m) => m.type)).toEqual(['ordering.order-placed.v1', 'inventory.reserve-stock.v1', 'payment.authorize-payment.v1']);
    expect(wire[0].data).toEqual({
      orderId,
      customerId: 'customer-1',
      cartId: 'customer-1',
      lines: carts.cart.lines,
      charges: [{ kind: 'shipping', label: 'Standard', amount: { amount: 490, currency: 'EUR' } }],
      shippingMethod: 'standard',
      shippingAddress: address,
      total,
    });
    expect(wire[1].data).toEqual({ orderId, lines: [{ sku: 'MUG-1', quantity: 2 }] });
    expect(wire[2].data).toEqual({ orderId, amount: total, paymentToken: 'tok_approve', capture: 'immediate' });
    expect(wire.every((m) => m.id === recorded.find((e) => e.metadata.eventId === m.id)?.metadata.eventId)).toBe(true);
  });
});
