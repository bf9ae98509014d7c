import { beforeEach, describe, expect, it } from 'vitest';
import type { CommitOnce } from './ports';
import { amount, meta, once, orderId, type PaymentDesk, paymentDesk } from './payment-commands.fixtures';

describe('payment command handlers', () => {
  let gateway: PaymentDesk['gateway'];
  let handlers: PaymentDesk['handlers'];
  let recorded: PaymentDesk['recorded'];
  beforeEach(() => {
    ({ gateway, handlers, recorded } = paymentDesk());
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
});
