import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../shared-kernel/clock';
import type { CommandMeta } from '../event-store/event-store';
import { Metrics } from '../observability/metrics';
import { type Sql, withCommitCallbacks } from '../persistence/database';
import { InProcessMessageBus } from './in-process.message-bus';
import { Inbox, type IntegrationMessage } from './message-bus';
import { type InboxEffect, on, Subscription } from './subscriber';

const SUBSCRIBER = 'test.orders';
const PLACED = 'test.order-placed.v1';
const NOTED = 'test.order-noted.v1';

/** An inbox in memory whose transactions commit or roll back as PostgreSQL's would (after-commit callbacks included). */
class MemoryInbox extends Inbox {
  readonly rows = new Set<string>();
  transactions = 0;

  async handleOnce(subscriber: string, id: string, work: (tx: Sql) => Promise<void>): Promise<boolean> {
    let fresh = false;
    await this.handleEachOnce(subscriber, [id], async (tx) => {
      fresh = true;
      await work(tx);
    });
    return fresh;
  }

  async handleEachOnce(subscriber: string, ids: readonly string[], work: (tx: Sql, fresh: ReadonlySet<string>) => Promise<void>) {
    this.transactions += 1;
    const fresh = new Set(ids.filter((id) => !this.rows.has(`${subscriber}/${id}`)));
    if (fresh.size === 0) return;
    const tx: Sql = { query: () => Promise.reject(new Error('no SQL here')) };
    await withCommitCallbacks(
      tx,
      () => work(tx, fresh),
      async () => fresh.forEach((id) => this.rows.add(`${subscriber}/${id}`)),
    );
  }

  has(message: IntegrationMessage): boolean {
    return this.rows.has(`${SUBSCRIBER}/${message.id}`);
  }
}

let seq = 0;
const message = (type: string, data: unknown): IntegrationMessage => ({
  id: `m-${++seq}`,
  type,
  occurredAt: '2026-03-01T10:00:00.000Z',
  correlationId: `c-${seq}`,
  data,
});
const placed = (orderId: string) => message(PLACED, { orderId, extra: 'tolerated' });
const malformed = () => message(PLACED, { orderId: 42 });

const Placed = z.object({ orderId: z.string().min(1) });
const Noted = z.object({ orderId: z.string().min(1), note: z.string().optional() });

describe('Subscription', () => {
  let inbox: MemoryInbox;
  let metrics: Metrics;
  let bus: InProcessMessageBus;
  let warnings: unknown[];
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const applied: { orderId: string; meta?: CommandMeta }[] = [];
  let failing: string | undefined;

  const subscription = () =>
    new Subscription<InboxEffect>(
      SUBSCRIBER,
      { bus, inbox, clock, metrics },
      {
        [PLACED]: on(Placed, ({ orderId }, { meta }) => async () => {
          if (orderId === failing) throw new Error(`cannot apply ${orderId}`);
          applied.push({ orderId, meta });
        }),
        // a note without text asks nothing of this subscriber
        [NOTED]: on(Noted, ({ orderId, note }) => (note ? async () => void applied.push({ orderId }) : undefined)),
      },
    );
  const givenUp = async () => (await metrics.deadLettered.get()).values.find((value) => value.labels.consumer === SUBSCRIBER)?.value ?? 0;

  beforeEach(() => {
    inbox = new MemoryInbox();
    metrics = new Metrics();
    bus = new InProcessMessageBus({ retryDelayMs: 1 });
    warnings = [];
    applied.length = 0;
    failing = undefined;
    vi.spyOn(Logger.prototype, 'warn').mockImplementation((warning: unknown) => void warnings.push(warning));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await bus.close();
  });

  it('applies a message once, under the command id and meta of this subscriber', async () => {
    const first = placed('o-1');
    await subscription().handleOne(first);
    await subscription().handleOne(first);
    const meta = { commandId: `${first.id}:${SUBSCRIBER}`, correlationId: first.correlationId, causationId: first.id, now: clock.now() };
    expect(applied).toEqual([{ orderId: 'o-1', meta }]);
  });

  it('records a malformed message as handled: nothing applied, nothing thrown, one warning and one count however often it comes', async () => {
    const poison = malformed();
    await subscription().handleOne(poison);
    await subscription().handleOne(poison);
    expect(applied).toEqual([]);
    expect(inbox.has(poison)).toBe(true);
    expect(await givenUp()).toBe(1);
    expect(warnings).toEqual([
      expect.objectContaining({
        subscriber: SUBSCRIBER,
        messageId: poison.id,
        type: PLACED,
        issues: [expect.stringMatching(/^orderId: /)],
      }),
    ]);
  });

  it('in order: a malformed message’s row goes in the batch’s one transaction, the others apply in their order', async () => {
    const [a, poison, b] = [placed('o-a'), malformed(), placed('o-b')];
    await subscription().handleInOrder([a, poison, b, a]);
    expect(applied.map(({ orderId }) => orderId)).toEqual(['o-a', 'o-b']);
    expect(inbox.transactions).toBe(1);
    expect([inbox.has(poison), await givenUp()]).toEqual([true, 1]);

    await subscription().handleInOrder([a, poison, b]);
    expect([applied.length, await givenUp(), warnings.length]).toEqual([2, 1, 1]);
  });

  it('in order: counts nothing while the batch’s transaction rolls back; the malformed message comes again with it', async () => {
    const [poison, stuck] = [malformed(), placed('o-stuck')];
    failing = 'o-stuck';
    await expect(subscription().handleInOrder([poison, stuck])).rejects.toThrow('cannot apply o-stuck');
    expect([inbox.has(poison), await givenUp(), warnings.length]).toEqual([false, 0, 0]);

    failing = undefined;
    await subscription().handleInOrder([poison, stuck]);
    expect([inbox.has(poison), await givenUp(), applied.map(({ orderId }) => orderId)]).toEqual([true, 1, ['o-stuck']]);
  });

  it('passes over a message that asks nothing of it: no transaction, no row', async () => {
    const silent = message(NOTED, { orderId: 'o-2' });
    await subscription().handleOne(silent);
    await subscription().handleInOrder([silent]);
    expect([inbox.transactions, inbox.has(silent), applied]).toEqual([0, false, []]);
  });

  it('accepts the valid messages of a batch in order, after recording the malformed ones in one transaction of their own', async () => {
    const batch = [placed('o-3'), malformed(), message(NOTED, { orderId: 'o-4', note: 'gift' }), malformed()];
    const accepted = await subscription().accept(batch);
    expect(accepted.map(({ id }) => id)).toEqual([batch[0].id, batch[2].id]);
    expect([inbox.transactions, inbox.has(batch[1]), inbox.has(batch[3]), await givenUp()]).toEqual([1, true, true, 2]);
    // nothing malformed: no transaction before the subscriber applies them
    await subscription().accept([placed('o-5')]);
    expect(inbox.transactions).toBe(1);
  });

  it('is never retried by the bus: the delivery of a malformed message succeeds at once', async () => {
    const retried: string[] = [];
    bus = new InProcessMessageBus({
      retryDelayMs: 1,
      observer: { subscribed: () => undefined, retried: (s) => void retried.push(s), deadLettered: () => undefined },
    });
    const orders = subscription();
    await orders.subscribe((delivered) => orders.handleOne(delivered));
    await bus.publish([malformed(), placed('o-6')]);
    expect([retried, await givenUp(), applied.map(({ orderId }) => orderId)]).toEqual([[], 1, ['o-6']]);
  });
});
