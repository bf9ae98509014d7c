import { describe, expect, it } from 'vitest';
import type { Sql } from '../persistence/database';
import { handleByKey, handleInOrder, orderIdOf, splitBatch } from './batches';
import { InProcessMessageBus } from './in-process.message-bus';
import { Inbox, type IntegrationMessage } from './message-bus';

const message = (id: string, type: string, orderId?: string): IntegrationMessage => ({
  id,
  type,
  occurredAt: '2026-01-01T00:00:00.000Z',
  correlationId: orderId ?? id,
  data: orderId ? { orderId } : {},
});

/** An inbox in memory that counts its transactions. */
class CountingInbox extends Inbox {
  readonly handled = new Set<string>();
  transactions = 0;
  async handleOnce(): Promise<boolean> {
    throw new Error('not used');
  }
  async handleEachOnce(subscriber: string, ids: readonly string[], work: (tx: Sql, fresh: ReadonlySet<string>) => Promise<void>) {
    this.transactions += 1;
    const fresh = new Set(ids.filter((id) => !this.handled.has(`${subscriber}/${id}`)));
    if (fresh.size === 0) return;
    await work({} as Sql, fresh);
    for (const id of fresh) this.handled.add(`${subscriber}/${id}`);
  }
}

describe('message batches', () => {
  it('applies a batch in one inbox transaction, in order, each message once; nothing to do for some', async () => {
    const inbox = new CountingInbox();
    const applied: string[] = [];
    const effectOf = (m: IntegrationMessage) => (m.type === 'noise' ? undefined : async () => void applied.push(m.id));
    const batch = [message('1', 'fact', 'a'), message('2', 'noise', 'a'), message('3', 'fact', 'a'), message('1', 'fact', 'a')];
    await handleInOrder(inbox, 'sub', batch, effectOf);
    expect(applied).toEqual(['1', '3']);
    expect(inbox.transactions).toBe(1);
    // delivered again with one more: only the new one runs
    await handleInOrder(inbox, 'sub', [...batch, message('4', 'fact', 'b')], effectOf);
    expect(applied).toEqual(['1', '3', '4']);
    // nothing to do: no transaction
    await handleInOrder(inbox, 'sub', [message('5', 'noise')], effectOf);
    expect(inbox.transactions).toBe(2);
  });

  it('applies nothing of a batch when a message cannot be passed over', async () => {
    const inbox = new CountingInbox();
    const applied: string[] = [];
    const refused = handleInOrder(inbox, 'sub', [message('1', 'fact'), message('2', 'bad')], (m) => {
      if (m.type === 'bad') throw new Error('malformed');
      return async () => void applied.push(m.id);
    });
    await expect(refused).rejects.toThrow('malformed');
    expect([applied, inbox.transactions]).toEqual([[], 0]);
  });

  it('puts together the joinable messages whose key no other message shares; the rest stays alone, in order', () => {
    const batch = [
      message('1', 'reserve', 'a'),
      message('2', 'reserve', 'b'),
      message('3', 'release', 'b'),
      message('4', 'reserve', 'c'),
      message('5', 'release', 'd'),
      message('6', 'reserve'),
    ];
    const { together, alone } = splitBatch(batch, orderIdOf, (m) => m.type === 'reserve');
    expect(together.map((m) => m.id)).toEqual(['1', '4']);
    expect(alone.map((m) => m.id)).toEqual(['2', '3', '5', '6']);
  });

  it('leaves a lone joinable message alone: nothing to share', () => {
    const batch = [message('1', 'reserve', 'a'), message('2', 'release', 'b')];
    expect(splitBatch(batch, orderIdOf, (m) => m.type === 'reserve')).toEqual({ together: [], alone: batch });
  });

  it('handles one key in order and different keys concurrently', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled = handleByKey(
      [message('1', 't', 'a'), message('2', 't', 'b'), message('3', 't', 'a')],
      (m) => m.correlationId,
      async (m) => {
        log.push(`start ${m.id}`);
        if (m.id === '1') await gate;
        log.push(`end ${m.id}`);
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    // b ran while a's first message waited; a's second waits for its first
    expect(log).toEqual(['start 1', 'start 2', 'end 2']);
    release();
    await handled;
    expect(log).toEqual(['start 1', 'start 2', 'end 2', 'end 1', 'start 3', 'end 3']);
  });

  it('the in-process bus hands a batch subscriber the messages of its types at once, in order', async () => {
    const bus = new InProcessMessageBus();
    const batches: string[][] = [];
    await bus.subscribeBatch('batcher', ['t'], async (messages) => void batches.push(messages.map((m) => m.id)));
    await bus.publish([message('1', 't', 'a'), message('2', 'other', 'a'), message('3', 't', 'b')]);
    expect(batches).toEqual([['1', '3']]);
    await bus.close();
  });

  it('other transports hand a batch subscriber one message at a time', async () => {
    const bus = new InProcessMessageBus();
    const received: string[][] = [];
    // the default of the MessageBus port: each message as a batch of one
    const base = Object.getPrototypeOf(InProcessMessageBus.prototype) as InProcessMessageBus;
    await base.subscribeBatch.call(bus, 'single', ['t'], async (messages) => void received.push(messages.map((m) => m.id)));
    await bus.publish([message('1', 't', 'a'), message('2', 't', 'b')]);
    expect(received.sort()).toEqual([['1'], ['2']]);
    await bus.close();
  });
});
