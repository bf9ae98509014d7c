import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../platform/config';
import { InMemoryEventStore } from '../../../platform/event-store/in-memory.event-store';
import type { Sql } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';
import { Inbox } from '../../../platform/messaging/message-bus';
import { PaymentNotFound, paymentStream } from '../domain/payment';
import { AuthorizePaymentHandler } from './authorize-payment';
import { CapturePaymentHandler } from './capture-payment';
import { type Authorization, type AuthorizeRequest, type CommitOnce, PaymentGateway, PaymentRefused } from './ports';
import { RecordProviderReportHandler } from './record-provider-report';
import { RefundPaymentHandler } from './refund-payment';
import { VoidPaymentHandler } from './void-payment';

/** A scripted provider that records every call. */
class FakePaymentGateway extends PaymentGateway {
  calls: string[] = [];
  answer: () => Promise<Authorization> = async () => ({ outcome: 'authorized', providerRef: 'ref-1' });
  refuse = new Set<string>();
  failRefunds = false;
  failCaptures = false;
  /** What happens at the provider's side before it answers (a webhook for the same fact, delivered first). */
  onCapture?: () => Promise<unknown>;
  onRefund?: () => Promise<unknown>;
  async authorize(req: AuthorizeRequest): Promise<Authorization> {
    this.calls.push(`authorize ${req.paymentId} ${req.token}`);
    return this.answer();
  }
  async capture(providerRef: string, amount: Money): Promise<void> {
    this.calls.push(`capture ${providerRef} ${amount.amount}`);
    if (this.refuse.has('capture')) throw new PaymentRefused('voided');
    if (this.failCaptures) throw new Error('provider down');
    await this.onCapture?.();
  }
  async void(paymentId: string): Promise<void> {
    this.calls.push(`void ${paymentId}`);
    if (this.refuse.has('void')) throw new PaymentRefused('captured');
  }
  async refund(providerRef: string, amount: Money, refundId: string): Promise<void> {
    this.calls.push(`refund ${providerRef} ${amount.amount} ${refundId}`);
    if (this.refuse.has('refund')) throw new PaymentRefused('refund id used for another refund');
    if (this.failRefunds) throw new Error('provider down');
    await this.onRefund?.();
  }
}

const orderId = 'order-1';
const amount = { amount: 4499, currency: 'EUR' };
const eur = (minor: number) => ({ amount: minor, currency: 'EUR' });
const config = { paymentProviderTimeoutMs: 30 } as Config;
const noSql: Sql = { query: async () => ({ rows: [], rowCount: 0 }) };
let seq = 0;
const meta = () => ({ commandId: `cmd-${++seq}`, correlationId: 'corr', now: new Date('2026-03-01T10:00:00Z') });
/** A fake inbox: each message id commits once. */
const inbox = new Set<string>();
const once =
  (messageId: string): CommitOnce =>
  async (work) => {
    if (inbox.has(messageId)) return false;
    await work(noSql);
    inbox.add(messageId);
    return true;
  };
class FakeInbox extends Inbox {
  async handleOnce(subscriber: string, messageId: string, work: (tx: Sql) => Promise<void>): Promise<boolean> {
    return once(`${subscriber} ${messageId}`)(work) as Promise<boolean>;
  }
  handleEachOnce(): Promise<void> {
    return Promise.reject(new Error('payment handles one message at a time'));
  }
}

describe('payment command handlers', () => {
  let events: InMemoryEventStore;
  let gateway: FakePaymentGateway;
  let webhooks: RecordProviderReportHandler;
  let handlers: {
    authorize: AuthorizePaymentHandler;
    capture: CapturePaymentHandler;
    void: VoidPaymentHandler;
    refund: RefundPaymentHandler;
  };
  const recorded = async () => (await events.readStream(paymentStream(orderId))).map((e) => ({ type: e.type, data: e.data }));
  const authorize = (id = 'm-auth', token = 'tok_approve') =>
    handlers.authorize.execute({ orderId, amount, paymentToken: token }, meta(), once(id));

  beforeEach(() => {
    inbox.clear();
    events = new InMemoryEventStore();
    gateway = new FakePaymentGateway();
    handlers = {
      authorize: new AuthorizePaymentHandler(events, gateway, config),
      capture: new CapturePaymentHandler(events, gateway, config),
      void: new VoidPaymentHandler(events, gateway, config),
      refund: new RefundPaymentHandler(events, gateway, config),
    };
    webhooks = new RecordProviderReportHandler(events, new FakeInbox());
  });

  it('records an authorization once; a repeated command does not call the provider again', async () => {
    await authorize('m-1');
    await authorize('m-2');
    expect(gateway.calls).toEqual([`authorize ${orderId} tok_approve`]);
    expect(await recorded()).toEqual([{ type: 'PaymentAuthorized', data: { orderId, providerRef: 'ref-1', amount } }]);
  });

  it('records a decline as an event', async () => {
    gateway.answer = async () => ({ outcome: 'declined', reason: 'card_declined' });
    await authorize();
    expect(await recorded()).toEqual([{ type: 'PaymentDeclined', data: { orderId, reason: 'card_declined', amount } }]);
  });

  it('retries provider errors a bounded number of times, voids whatever the provider may hold, then records PaymentFailed', async () => {
    gateway.answer = async () => {
      throw new Error('provider down');
    };
    await authorize();
    expect(gateway.calls).toEqual([...Array(3).fill(`authorize ${orderId} tok_approve`), `void ${orderId}`]);
    expect(await recorded()).toEqual([
      { type: 'PaymentFailed', data: { orderId, reason: 'provider_error', operation: 'authorize', amount } },
    ]);
  });

  it('gives up on a slow provider, voids at the provider, and records PaymentFailed(timeout)', async () => {
    gateway.answer = () => new Promise((resolve) => setTimeout(() => resolve({ outcome: 'authorized', providerRef: 'late' }), 200));
    await authorize();
    expect(gateway.calls).toEqual([`authorize ${orderId} tok_approve`, `void ${orderId}`]);
    expect(await recorded()).toEqual([{ type: 'PaymentFailed', data: { orderId, reason: 'timeout', operation: 'authorize', amount } }]);
  });

  it('a void before the authorization is remembered: the authorization is then not even asked for', async () => {
    await handlers.void.execute({ orderId }, meta(), once('m-void'));
    await authorize();
    expect(gateway.calls).toEqual([`void ${orderId}`]);
    expect(await recorded()).toEqual([{ type: 'PaymentVoided', data: { orderId } }]);
  });

  describe('capture at once', () => {
    /** Counts the commits: the provider round is recorded in one append, in one transaction with the inbox row. */
    let commits: number;
    const counted =
      (messageId: string): CommitOnce =>
      (work) =>
        once(messageId)(async (tx) => {
          commits++;
          await work(tx);
        });
    const authorizeAndCapture = (id = 'm-auth') =>
      handlers.authorize.execute({ orderId, amount, paymentToken: 'tok_approve', capture: 'immediate' }, meta(), counted(id));
    beforeEach(() => {
      commits = 0;
    });

    it('authorizes and captures in one provider round, recorded in one commit; a repeat asks nothing', async () => {
      await authorizeAndCapture('m-1');
      await authorizeAndCapture('m-2');
      expect(gateway.calls).toEqual([`authorize ${orderId} tok_approve`, 'capture ref-1 4499']);
      expect(await recorded()).toEqual([
        { type: 'PaymentAuthorized', data: { orderId, providerRef: 'ref-1', amount } },
        { type: 'PaymentCaptured', data: { orderId, amount } },
      ]);
      expect(commits).toBe(1);
    });

    it('a decline or a failed authorization is recorded as in two steps, without a capture', async () => {
      gateway.answer = async () => ({ outcome: 'declined', reason: 'card_declined' });
      await authorizeAndCapture();
      expect(gateway.calls).toEqual([`authorize ${orderId} tok_approve`]);
      expect(await recorded()).toEqual([{ type: 'PaymentDeclined', data: { orderId, reason: 'card_declined', amount } }]);
    });

    it('a capture the provider refuses: the authorization is voided, PaymentFailed(capture) and PaymentVoided in one commit', async () => {
      gateway.refuse.add('capture');
      await authorizeAndCapture();
      expect(gateway.calls).toEqual([`authorize ${orderId} tok_approve`, 'capture ref-1 4499', `void ${orderId}`]);
      expect(await recorded()).toEqual([
        { type: 'PaymentAuthorized', data: { orderId, providerRef: 'ref-1', amount } },
        { type: 'PaymentFailed', data: { orderId, reason: 'capture_refused', operation: 'capture', amount } },
        { type: 'PaymentVoided', data: { orderId, amount } },
      ]);
      expect(commits).toBe(1);
    });

    it('a capture that keeps erroring is retried, then the authorization is voided and the failure recorded', async () => {
      gateway.failCaptures = true;
      await authorizeAndCapture();
      expect(gateway.calls).toEqual([`authorize ${orderId} tok_approve`, ...Array(3).fill('capture ref-1 4499'), `void ${orderId}`]);
      expect((await recorded()).map((e) => e.type)).toEqual(['PaymentAuthorized', 'PaymentFailed', 'PaymentVoided']);
      expect((await recorded())[1].data).toMatchObject({ reason: 'provider_error', operation: 'capture' });
    });

    it('neither captured nor voided: nothing is recorded and the message comes again; then the provider answers from its ledger', async () => {
      gateway.failCaptures = true;
      gateway.refuse.add('void'); // e.g. the capture landed after all
      await expect(authorizeAndCapture()).rejects.toThrow();
      expect(await recorded()).toEqual([]);
      gateway.failCaptures = false;
      await authorizeAndCapture();
      expect((await recorded()).map((e) => e.type)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    });

    it('a void the checkout asked meanwhile is not recorded twice', async () => {
      gateway.refuse.add('capture'); // the provider voided first
      const authorizeCall = gateway.authorize.bind(gateway);
      gateway.authorize = async (req) => {
        const answer = await authorizeCall(req);
        await handlers.void.execute({ orderId }, meta(), once('m-void'));
        return answer;
      };
      await authorizeAndCapture();
      expect(await recorded()).toEqual([{ type: 'PaymentVoided', data: { orderId } }]);
    });
  });

  it('captures once and never after a void', async () => {
    await authorize();
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap-1'));
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap-2'));
    expect(gateway.calls.filter((c) => c.startsWith('capture'))).toEqual(['capture ref-1 4499']);
    await handlers.void.execute({ orderId }, meta(), once('m-void'));
    expect(gateway.calls).not.toContain(`void ${orderId}`); // captured money is refunded, not voided
    expect((await recorded()).map((e) => e.type)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);

    const voidedFirst = new InMemoryEventStore();
    const capture = new CapturePaymentHandler(voidedFirst, gateway, config);
    await new AuthorizePaymentHandler(voidedFirst, gateway, config).execute({ orderId, amount, paymentToken: 't' }, meta(), once('x-auth'));
    await new VoidPaymentHandler(voidedFirst, gateway, config).execute({ orderId }, meta(), once('x-void'));
    gateway.calls = [];
    await capture.execute({ orderId, amount }, meta(), once('x-cap'));
    expect(gateway.calls).toEqual([]);
    // answered as refused, so whoever asked for the capture learns it will not come
    expect((await voidedFirst.readStream(paymentStream(orderId))).map((e) => e.type)).toEqual([
      'PaymentAuthorized',
      'PaymentVoided',
      'PaymentFailed',
    ]);
  });

  it('records a capture the provider refuses as PaymentFailed(capture_refused)', async () => {
    await authorize();
    gateway.refuse.add('capture');
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    expect((await recorded())[1]).toEqual({
      type: 'PaymentFailed',
      data: { orderId, reason: 'capture_refused', operation: 'capture', amount },
    });
  });

  it('a void the provider refuses (captured there meanwhile) records nothing', async () => {
    await authorize();
    gateway.refuse.add('void');
    await handlers.void.execute({ orderId }, meta(), once('m-void'));
    expect((await recorded()).map((e) => e.type)).toEqual(['PaymentAuthorized']);
  });

  it('refunds in parts, each refund id once at the provider, never more than captured', async () => {
    await authorize();
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    await handlers.refund.execute({ orderId, amount: eur(1000), refundId: 'r-1' }, meta(), once('m-ref-1'));
    await handlers.refund.execute({ orderId, amount: eur(1000), refundId: 'r-1' }, meta(), once('m-ref-1-again'));
    await handlers.refund.execute({ orderId, amount: eur(3500), refundId: 'r-2' }, meta(), once('m-ref-2'));
    await handlers.refund.execute({ orderId, amount: eur(3499), refundId: 'r-3' }, meta(), once('m-ref-3'));
    expect(gateway.calls.filter((c) => c.startsWith('refund'))).toEqual(['refund ref-1 1000 r-1', 'refund ref-1 3499 r-3']);
    expect((await recorded()).slice(2)).toEqual([
      { type: 'PaymentRefunded', data: { orderId, amount: eur(1000), refundId: 'r-1', totalRefunded: eur(1000) } },
      { type: 'PaymentRefundRejected', data: { orderId, amount: eur(3500), refundId: 'r-2', reason: 'exceeds_captured' } },
      { type: 'PaymentRefunded', data: { orderId, amount: eur(3499), refundId: 'r-3', totalRefunded: eur(4499) } },
    ]);
  });

  it("without a refund id it is the checkout's compensation, named by the order: made once", async () => {
    await authorize();
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    await handlers.refund.execute({ orderId, amount }, meta(), once('m-comp-1'));
    await handlers.refund.execute({ orderId, amount }, meta(), once('m-comp-2'));
    expect(gateway.calls.filter((c) => c.startsWith('refund'))).toEqual([`refund ref-1 4499 ${orderId}`]);
    expect((await recorded()).slice(2)).toEqual([
      { type: 'PaymentRefunded', data: { orderId, amount, refundId: orderId, totalRefunded: amount } },
    ]);
  });

  it('rejects a refund of money not captured without asking the provider', async () => {
    await authorize();
    await handlers.refund.execute({ orderId, amount, refundId: 'r-1' }, meta(), once('m-ref'));
    expect(gateway.calls.filter((c) => c.startsWith('refund'))).toEqual([]);
    expect((await recorded())[1]).toEqual({
      type: 'PaymentRefundRejected',
      data: { orderId, amount, refundId: 'r-1', reason: 'not_captured' },
    });
  });

  it('records a refund the provider refuses as rejected; provider errors throw (the message comes again)', async () => {
    await authorize();
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    gateway.refuse.add('refund');
    await handlers.refund.execute({ orderId, amount: eur(100), refundId: 'r-1' }, meta(), once('m-ref-1'));
    expect((await recorded())[2]).toMatchObject({ type: 'PaymentRefundRejected', data: { refundId: 'r-1', reason: 'provider_refused' } });
    gateway.refuse.delete('refund');
    gateway.failRefunds = true;
    await expect(handlers.refund.execute({ orderId, amount: eur(100), refundId: 'r-2' }, meta(), once('m-ref-2'))).rejects.toThrow();
    expect(await recorded()).toHaveLength(3);
    expect(inbox.has('m-ref-2')).toBe(false);
  });

  it('a refund a webhook recorded while the provider was being asked is recorded once', async () => {
    await authorize();
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    gateway.onRefund = () =>
      webhooks.execute({ eventId: 'evt_r1', orderId, report: { type: 'refunded', amount: eur(500), refundId: 'r-1' } }, meta());
    await handlers.refund.execute({ orderId, amount: eur(500), refundId: 'r-1' }, meta(), once('m-ref'));
    expect((await recorded()).filter((e) => e.type === 'PaymentRefunded')).toEqual([
      { type: 'PaymentRefunded', data: { orderId, amount: eur(500), refundId: 'r-1', totalRefunded: eur(500) } },
    ]);
  });

  it('a capture a webhook recorded while the provider was being asked is recorded once', async () => {
    await authorize();
    gateway.onCapture = () => webhooks.execute({ eventId: 'evt_c1', orderId, report: { type: 'captured', amount } }, meta());
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    expect(await webhooks.execute({ eventId: 'evt_c2', orderId, report: { type: 'captured', amount } }, meta())).toBe(true);
    expect((await recorded()).map((e) => e.type)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
  });

  it('a webhook event id is applied once; a refused one leaves no trace and may come again', async () => {
    await expect(webhooks.execute({ eventId: 'evt_1', orderId, report: { type: 'captured', amount } }, meta())).rejects.toBeInstanceOf(
      PaymentNotFound,
    );
    await authorize();
    expect(await webhooks.execute({ eventId: 'evt_1', orderId, report: { type: 'captured', amount } }, meta())).toBe(true);
    expect(await webhooks.execute({ eventId: 'evt_1', orderId, report: { type: 'captured', amount } }, meta())).toBe(false);
    expect((await recorded()).map((e) => e.type)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
  });

  it('a redelivered message commits nothing twice', async () => {
    await authorize();
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    await handlers.refund.execute({ orderId, amount, refundId: 'r-1' }, meta(), once('m-ref'));
    await handlers.refund.execute({ orderId, amount, refundId: 'r-1' }, meta(), once('m-ref'));
    expect((await recorded()).filter((e) => e.type === 'PaymentRefunded')).toHaveLength(1);
  });
});
