import type { Config } from '../../../platform/config';
import { InMemoryEventStore } from '../../../platform/event-store/in-memory.event-store';
import { Inbox } from '../../../platform/messaging/message-bus';
import type { Sql } from '../../../platform/persistence/database';
import type { Money } from '../../../shared-kernel/money';
import { paymentStream } from '../domain/payment';
import { AuthorizePaymentHandler } from './authorize-payment';
import { CapturePaymentHandler } from './capture-payment';
import { type Authorization, type AuthorizeRequest, type CommitOnce, PaymentGateway, PaymentRefused } from './ports';
import { RecordProviderReportHandler } from './record-provider-report';
import { RefundPaymentHandler } from './refund-payment';
import { VoidPaymentHandler } from './void-payment';

/** A scripted provider that records every call. */
export class FakePaymentGateway extends PaymentGateway {
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

export const orderId = 'order-1';
export const amount = { amount: 4499, currency: 'EUR' };
export const eur = (minor: number) => ({ amount: minor, currency: 'EUR' });
export const config = { paymentProviderTimeoutMs: 30 } as Config;
export const noSql: Sql = { query: async () => ({ rows: [], rowCount: 0 }) };
let seq = 0;
export const meta = () => ({ commandId: `cmd-${++seq}`, correlationId: 'corr', now: new Date('2026-03-01T10:00:00Z') });
/** A fake inbox: each message id commits once. */
export const inbox = new Set<string>();
export const once =
  (messageId: string): CommitOnce =>
  async (work) => {
    if (inbox.has(messageId)) return false;
    await work(noSql);
    inbox.add(messageId);
    return true;
  };
export class FakeInbox extends Inbox {
  async handleOnce(subscriber: string, messageId: string, work: (tx: Sql) => Promise<void>): Promise<boolean> {
    return once(`${subscriber} ${messageId}`)(work) as Promise<boolean>;
  }
  handleEachOnce(): Promise<void> {
    return Promise.reject(new Error('payment handles one message at a time'));
  }
}

/** The payment context's handlers on an in-memory store and a scripted provider, with a fresh inbox. */
export const paymentDesk = () => {
  inbox.clear();
  const events = new InMemoryEventStore();
  const gateway = new FakePaymentGateway();
  const handlers = {
    authorize: new AuthorizePaymentHandler(events, gateway, config),
    capture: new CapturePaymentHandler(events, gateway, config),
    void: new VoidPaymentHandler(events, gateway, config),
    refund: new RefundPaymentHandler(events, gateway, config),
  };
  const webhooks = new RecordProviderReportHandler(events, new FakeInbox());
  const recorded = async () => (await events.readStream(paymentStream(orderId))).map((e) => ({ type: e.type, data: e.data }));
  return { events, gateway, handlers, webhooks, recorded };
};
export type PaymentDesk = ReturnType<typeof paymentDesk>;
