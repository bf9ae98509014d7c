import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../platform/config';
import { InMemoryEventStore } from '../../../platform/event-store/in-memory.event-store';
import type { Sql } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';
import { paymentStream } from '../domain/payment';
import { AuthorizePaymentHandler } from './authorize-payment';
import { CapturePaymentHandler } from './capture-payment';
import { type Authorization, type AuthorizeRequest, type CommitOnce, PaymentGateway, PaymentRefused } from './ports';
import { RefundPaymentHandler } from './refund-payment';
import { VoidPaymentHandler } from './void-payment';

/** A scripted provider that records every call. */
class FakePaymentGateway extends PaymentGateway {
  calls: string[] = [];
  answer: () => Promise<Authorization> = async () => ({ outcome: 'authorized', providerRef: 'ref-1' });
  refuse = new Set<string>();
  async authorize(req: AuthorizeRequest): Promise<Authorization> {
    this.calls.push(`authorize ${req.paymentId} ${req.token}`);
    return this.answer();
  }
  async capture(providerRef: string, amount: Money): Promise<void> {
    this.calls.push(`capture ${providerRef} ${amount.amount}`);
    if (this.refuse.has('capture')) throw new PaymentRefused('voided');
  }
  async void(paymentId: string): Promise<void> {
    this.calls.push(`void ${paymentId}`);
    if (this.refuse.has('void')) throw new PaymentRefused('captured');
  }
  async refund(providerRef: string, amount: Money, refundId: string): Promise<void> {
    this.calls.push(`refund ${providerRef} ${amount.amount} ${refundId}`);
  }
}

const orderId = 'order-1';
const amount = { amount: 4499, currency: 'EUR' };
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

describe('payment command handlers', () => {
  let events: InMemoryEventStore;
  let gateway: FakePaymentGateway;
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
    expect(await recorded()).toEqual([{ type: 'PaymentDeclined', data: { orderId, reason: 'card_declined' } }]);
  });

  it('retries provider errors a bounded number of times, voids whatever the provider may hold, then records PaymentFailed', async () => {
    gateway.answer = async () => {
      throw new Error('provider down');
    };
    await authorize();
    expect(gateway.calls).toEqual([...Array(3).fill(`authorize ${orderId} tok_approve`), `void ${orderId}`]);
    expect(await recorded()).toEqual([{ type: 'PaymentFailed', data: { orderId, reason: 'provider_error', operation: 'authorize' } }]);
  });

  it('gives up on a slow provider, voids at the provider, and records PaymentFailed(timeout)', async () => {
    gateway.answer = () => new Promise((resolve) => setTimeout(() => resolve({ outcome: 'authorized', providerRef: 'late' }), 200));
    await authorize();
    expect(gateway.calls).toEqual([`authorize ${orderId} tok_approve`, `void ${orderId}`]);
    expect(await recorded()).toEqual([{ type: 'PaymentFailed', data: { orderId, reason: 'timeout', operation: 'authorize' } }]);
  });

  it('a void before the authorization is remembered: the authorization is then not even asked for', async () => {
    await handlers.void.execute({ orderId }, meta(), once('m-void'));
    await authorize();
    expect(gateway.calls).toEqual([`void ${orderId}`]);
    expect(await recorded()).toEqual([{ type: 'PaymentVoided', data: { orderId } }]);
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
  });

  it('records a capture the provider refuses as PaymentFailed(capture_refused)', async () => {
    await authorize();
    gateway.refuse.add('capture');
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    expect((await recorded())[1]).toEqual({ type: 'PaymentFailed', data: { orderId, reason: 'capture_refused', operation: 'capture' } });
  });

  it('a void the provider refuses (captured there meanwhile) records nothing', async () => {
    await authorize();
    gateway.refuse.add('void');
    await handlers.void.execute({ orderId }, meta(), once('m-void'));
    expect((await recorded()).map((e) => e.type)).toEqual(['PaymentAuthorized']);
  });

  it('refunds captured money with the refund id, never more than captured', async () => {
    await authorize();
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    await handlers.refund.execute({ orderId, amount, refundId: 'm-ref-1' }, meta(), once('m-ref-1'));
    await handlers.refund.execute({ orderId, amount, refundId: 'm-ref-2' }, meta(), once('m-ref-2'));
    expect(gateway.calls.filter((c) => c.startsWith('refund'))).toEqual(['refund ref-1 4499 m-ref-1']);
    expect((await recorded()).map((e) => e.type)).toEqual(['PaymentAuthorized', 'PaymentCaptured', 'PaymentRefunded']);
  });

  it('a redelivered message commits nothing twice', async () => {
    await authorize();
    await handlers.capture.execute({ orderId, amount }, meta(), once('m-cap'));
    await handlers.refund.execute({ orderId, amount, refundId: 'm-ref' }, meta(), once('m-ref'));
    await handlers.refund.execute({ orderId, amount, refundId: 'm-ref' }, meta(), once('m-ref'));
    expect((await recorded()).filter((e) => e.type === 'PaymentRefunded')).toHaveLength(1);
  });
});
