import { beforeEach, describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../platform/event-store/in-memory.event-store';
import { PaymentNotFound, paymentStream } from '../domain/payment';
import { AuthorizePaymentHandler } from './authorize-payment';
import { CapturePaymentHandler } from './capture-payment';
import { amount, config, eur, inbox, meta, once, orderId, type PaymentDesk, paymentDesk } from './payment-commands.fixtures';
import { VoidPaymentHandler } from './void-payment';

describe('payment command handlers', () => {
  let gateway: PaymentDesk['gateway'];
  let webhooks: PaymentDesk['webhooks'];
  let handlers: PaymentDesk['handlers'];
  let recorded: PaymentDesk['recorded'];
  const authorize = (id = 'm-auth', token = 'tok_approve') =>
    handlers.authorize.execute({ orderId, amount, paymentToken: token }, meta(), once(id));

  beforeEach(() => {
    ({ gateway, handlers, webhooks, recorded } = paymentDesk());
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
