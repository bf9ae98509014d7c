import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../platform/event-store/in-memory.event-store';
import { InProcessMessageBus } from '../../../platform/messaging/in-process.message-bus';
import { Inbox, type IntegrationMessage } from '../../../platform/messaging/message-bus';
import { Metrics } from '../../../platform/observability/metrics';
import type { Sql } from '../../../platform/persistence/database';
import { ManualClock } from '../../../shared-kernel/clock';
import { AuthorizePaymentHandler } from '../application/authorize-payment';
import { CapturePaymentHandler } from '../application/capture-payment';
import { config, eur, FakePaymentGateway, noSql } from '../application/payment-commands.fixtures';
import { RefundPaymentHandler } from '../application/refund-payment';
import { VoidPaymentHandler } from '../application/void-payment';
import { PaymentMessages } from '../contracts';
import { paymentStream } from '../domain/payment';
import { PaymentCommandsSubscriber } from './payment-commands.subscriber';

/** An inbox in memory that counts its transactions (single and batch). */
class CountingInbox extends Inbox {
  readonly handled = new Set<string>();
  transactions = 0;
  async handleOnce(_subscriber: string, id: string, work: (tx: Sql) => Promise<void>): Promise<boolean> {
    this.transactions += 1;
    if (this.handled.has(id)) return false;
    await work(noSql);
    this.handled.add(id);
    return true;
  }
  async handleEachOnce(_subscriber: string, ids: readonly string[], work: (tx: Sql, fresh: ReadonlySet<string>) => Promise<void>) {
    this.transactions += 1;
    const fresh = new Set(ids.filter((id) => !this.handled.has(id)));
    if (fresh.size === 0) return;
    await work(noSql, fresh);
    for (const id of fresh) this.handled.add(id);
  }
}

let seq = 0;
const authorize = (orderId: string): IntegrationMessage => ({
  id: `m-${++seq}`,
  type: PaymentMessages.authorizePayment,
  occurredAt: '2026-03-01T10:00:00.000Z',
  correlationId: orderId,
  data: { orderId, amount: eur(1000), paymentToken: 'tok_approve', capture: 'immediate' },
});

const desk = () => {
  const events = new InMemoryEventStore();
  const gateway = new FakePaymentGateway();
  const inbox = new CountingInbox();
  const subscriber = new PaymentCommandsSubscriber(
    new InProcessMessageBus(),
    inbox,
    new ManualClock(new Date('2026-03-01T10:00:00Z')),
    new AuthorizePaymentHandler(events, gateway, config),
    new CapturePaymentHandler(events, gateway, config),
    new VoidPaymentHandler(events, gateway, config),
    new RefundPaymentHandler(events, gateway, config),
    events,
    new Metrics(),
  );
  const types = async (orderId: string) => (await events.readStream(paymentStream(orderId))).map((e) => e.type);
  return { gateway, inbox, subscriber, types };
};

describe('payment commands in a batch', () => {
  it('asks the provider for every order, then commits what it answered in one transaction', async () => {
    const { inbox, subscriber, types, gateway } = desk();
    await subscriber.handleBatch([authorize('o-1'), authorize('o-2'), authorize('o-3')]);
    for (const orderId of ['o-1', 'o-2', 'o-3']) expect(await types(orderId)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    expect(inbox.transactions).toBe(1);
    expect(gateway.calls.filter((call) => call.startsWith('authorize'))).toHaveLength(3);
  });

  it('commits the others when one order fails at the provider, and throws so that the batch comes again', async () => {
    const { subscriber, types, gateway } = desk();
    let down = true;
    // the provider fails for o-4 only, and cannot even be told to void it: that order's command must come again
    gateway.authorize = async function (req) {
      if (down && req.paymentId === 'o-4') throw new Error('provider down');
      return FakePaymentGateway.prototype.authorize.call(this, req);
    };
    gateway.void = async (paymentId) => {
      if (down) throw new Error(`provider down, ${paymentId} not voided`);
    };
    const batch = [authorize('o-4'), authorize('o-5')];
    await expect(subscriber.handleBatch(batch)).rejects.toThrow('provider down');
    expect(await types('o-4')).toEqual([]);
    expect(await types('o-5')).toEqual(['PaymentAuthorized', 'PaymentCaptured']);

    down = false;
    await subscriber.handleBatch(batch);
    expect(await types('o-4')).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    expect(await types('o-5')).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
  });

  it('applies the commands of one order in the batch one after the other, each committed before the next', async () => {
    const { inbox, subscriber, types, gateway } = desk();
    const first = authorize('o-9');
    const voiding: IntegrationMessage = { ...authorize('o-9'), type: PaymentMessages.voidPayment, data: { orderId: 'o-9' } };
    await subscriber.handleBatch([first, voiding, authorize('o-8')]);
    expect(await types('o-9')).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    expect(await types('o-8')).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    // the void came after the capture was committed: nothing to void, nothing asked of the provider
    expect(gateway.calls.filter((call) => call.startsWith('void'))).toEqual([]);
    // each message alone (o-8 is the only order with one message: a batch of one gains nothing), and the void, finding
    // the payment captured, commits nothing: two transactions
    expect(inbox.transactions).toBe(2);
    // delivered again: nothing new
    await subscriber.handleBatch([first, voiding]);
    expect(await types('o-9')).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
  });
});
