import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Unavailable } from '../../shared-kernel/errors';
import type { BusObserver } from './delivery-policy';
import type { IntegrationMessage, MessageBus } from './message-bus';

/** What the contract needs from one adapter; every name it creates on a server is unique to this run. */
export type BusFixture = {
  /** deliveries after which the buses `open` returns dead-letter a message */
  maxDeliveries: number;
  /**
   * a new bus on this fixture's exchange / stream, telling `observer` (when given) of its retries and dead letters;
   * the suite closes every bus it opens
   */
  open(observer?: BusObserver): Promise<MessageBus>;
  /** ids of the messages parked for a subscriber; absent where publish itself rejects instead (in-process) */
  deadLetters?(subscriber: string): Promise<string[]>;
  /** deletes what the suite created on the server (queues, exchanges, streams) */
  cleanup(subscribers: string[]): Promise<void>;
};

/** Polls until `check` passes; fails with the last assertion error once the deadline is reached. */
export const eventually = async (check: () => void | Promise<void>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
};

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let counter = 0;

const message = (type: string, data: Record<string, unknown> = {}): IntegrationMessage => ({
  id: `${run}-${++counter}`,
  type,
  occurredAt: new Date().toISOString(),
  correlationId: `corr-${counter}`,
  causationId: `cause-${counter}`,
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  data,
});

/** Records what a handler received; `fail` decides per delivery whether the handler throws. */
const recorder = (fail: (m: IntegrationMessage, attempt: number) => boolean = () => false) => {
  const attempts = new Map<string, number>();
  const handled: IntegrationMessage[] = [];
  return {
    handled,
    attempts,
    ids: () => handled.map((m) => m.id).sort(),
    handler: async (m: IntegrationMessage) => {
      const attempt = (attempts.get(m.id) ?? 0) + 1;
      attempts.set(m.id, attempt);
      if (fail(m, attempt)) throw new Error(`handler refuses ${m.id} (attempt ${attempt})`);
      handled.push(m);
    },
  };
};

/** Records, in order, the subscriber of each subscription, retry and dead letter a bus reports. */
const observed = () => {
  const subscribed: string[] = [];
  const retried: string[] = [];
  const deadLettered: string[] = [];
  const observer: BusObserver = {
    subscribed: (subscriber) => void subscribed.push(subscriber),
    retried: (subscriber) => void retried.push(subscriber),
    deadLettered: (subscriber) => void deadLettered.push(subscriber),
  };
  return { subscribed, retried, deadLettered, observer };
};

/** The MessageBus contract: every adapter runs it against its real server. */
export const messageBusContract = (name: string, factory: () => Promise<BusFixture>): void => {
  describe(`MessageBus contract: ${name}`, () => {
    let fixture: BusFixture;
    const subscribers: string[] = [];
    const opened: MessageBus[] = [];
    let typeCounter = 0;

    const open = async (observer?: BusObserver) => {
      const bus = await fixture.open(observer);
      opened.push(bus);
      return bus;
    };
    const subscriber = (label: string) => {
      const s = `${run}.${label}`;
      subscribers.push(s);
      return s;
    };
    const type = (label: string) => `t${run}.${label}-${++typeCounter}.v1`;

    beforeAll(async () => {
      fixture = await factory();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });
    afterAll(async () => {
      await fixture?.cleanup(subscribers);
    });

    it('delivers a published message to its subscriber, every field intact', async () => {
      const bus = await open();
      const placed = type('order-placed');
      const received = recorder();
      await bus.subscribe(subscriber('delivery'), [placed], received.handler);
      const sent = message(placed, { orderId: 'o-1', lines: [{ sku: 'A', quantity: 2 }] });
      await bus.publish([sent]);
      await eventually(() => expect(received.handled).toEqual([sent]));
    });

    it('gives each subscriber every message of its types and nothing else', async () => {
      const bus = await open();
      const [t1, t2, t3, t4] = [type('a'), type('b'), type('c'), type('d')];
      const first = recorder();
      const second = recorder();
      await bus.subscribe(subscriber('types-1'), [t1, t2], first.handler);
      await bus.subscribe(subscriber('types-2'), [t3], second.handler);
      const [m1, m2, m3, m4] = [message(t1), message(t2), message(t3), message(t4)];
      await bus.publish([m1, m2, m3, m4]);
      // Fences: once these arrive, anything else sent before them has had its chance to arrive too.
      const [fence1, fence2] = [message(t1), message(t3)];
      await bus.publish([fence1, fence2]);
      await eventually(() => {
        expect(first.ids()).toEqual([m1.id, m2.id, fence1.id].sort());
        expect(second.ids()).toEqual([m3.id, fence2.id].sort());
      });
    });

    it('delivers one message to two subscribers of its type', async () => {
      const bus = await open();
      const shipped = type('shipped');
      const a = recorder();
      const b = recorder();
      await bus.subscribe(subscriber('both-a'), [shipped], a.handler);
      await bus.subscribe(subscriber('both-b'), [shipped], b.handler);
      const sent = message(shipped);
      await bus.publish([sent]);
      await eventually(() => {
        expect(a.ids()).toEqual([sent.id]);
        expect(b.ids()).toEqual([sent.id]);
      });
    });

    it('delivers a message again after its handler failed (at least once), telling the observer of the retry', async () => {
      const seen = observed();
      const bus = await open(seen.observer);
      const t = type('flaky');
      const name = subscriber('flaky');
      const flaky = recorder((_, attempt) => attempt === 1);
      await bus.subscribe(name, [t], flaky.handler);
      const sent = message(t);
      await bus.publish([sent]);
      await eventually(() => expect(flaky.ids()).toEqual([sent.id]));
      expect(flaky.attempts.get(sent.id)).toBe(2);
      // told as the failed delivery is handed back, so before the next one
      expect(seen.subscribed).toEqual([name]);
      expect(seen.retried).toEqual([name]);
      expect(seen.deadLettered).toEqual([]);
    });

    it('dead-letters a message whose handler always fails after maxDeliveries, while later ones flow', async () => {
      const seen = observed();
      const bus = await open(seen.observer);
      const t = type('poison');
      const poison = message(t, { poison: true });
      const handler = recorder((m) => m.id === poison.id);
      const name = subscriber('poison');
      await bus.subscribe(name, [t], handler.handler);

      const outcome = await bus.publish([poison]).then(
        () => 'accepted',
        () => 'rejected',
      );
      expect(outcome).toBe(fixture.deadLetters ? 'accepted' : 'rejected');
      const later = [message(t), message(t), message(t)];
      await bus.publish(later);

      await eventually(async () => {
        expect(handler.ids()).toEqual(later.map((m) => m.id).sort());
        expect(handler.attempts.get(poison.id)).toBe(fixture.maxDeliveries);
        if (fixture.deadLetters) expect(await fixture.deadLetters(name)).toContain(poison.id);
        // where publish rejects instead (in-process), nothing is parked: the outbox's log consumer retries the event
        expect(seen.deadLettered).toEqual(fixture.deadLetters ? [name] : []);
      });
      const fence = message(t);
      await bus.publish([fence]);
      await eventually(() => expect(handler.ids()).toContain(fence.id));
      expect(handler.attempts.get(poison.id)).toBe(fixture.maxDeliveries);
      // every delivery but the last was retried; the later messages never failed
      expect(seen.retried).toEqual(Array.from({ length: fixture.maxDeliveries - 1 }, () => name));
      expect(seen.deadLettered).toEqual(fixture.deadLetters ? [name] : []);
    });

    it('waits out an outage longer than maxDeliveries: the message is delivered, never dead-lettered', async () => {
      const seen = observed();
      const bus = await open(seen.observer);
      const t = type('outage');
      const name = subscriber('outage');
      const outageAttempts = fixture.maxDeliveries + 2;
      const attempts = new Map<string, number>();
      const handled: string[] = [];
      await bus.subscribe(name, [t], async (m) => {
        const attempt = (attempts.get(m.id) ?? 0) + 1;
        attempts.set(m.id, attempt);
        if (attempt <= outageAttempts) throw new Error('handler failed', { cause: new Unavailable('platform.database_unavailable') });
        handled.push(m.id);
      });
      const sent = message(t);
      await bus.publish([sent]);
      await eventually(() => expect(handled).toEqual([sent.id]), 40_000);
      expect(attempts.get(sent.id)).toBe(outageAttempts + 1);
      if (fixture.deadLetters) expect(await fixture.deadLetters(name)).not.toContain(sent.id);
      // the message stayed claimed through the outage: one delivery, neither retried nor parked
      expect(seen.retried).toEqual([]);
      expect(seen.deadLettered).toEqual([]);
    });

    it('delivers every message of a large batch', async () => {
      const bus = await open();
      const [ta, tb] = [type('bulk-a'), type('bulk-b')];
      const received = recorder();
      await bus.subscribe(subscriber('bulk'), [ta, tb], received.handler);
      const batch = Array.from({ length: 1000 }, (_, i) => message(i % 2 === 0 ? ta : tb, { i }));
      await bus.publish(batch.slice(0, 500));
      await Promise.all([bus.publish(batch.slice(500, 750)), bus.publish(batch.slice(750))]);
      await eventually(() => expect(new Set(received.ids())).toEqual(new Set(batch.map((m) => m.id))));
    });

    it('lets in-flight handlers finish on close() and delivers nothing to a closed bus', async () => {
      const bus = await open();
      const t = type('closing');
      const name = subscriber('closing');
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow = recorder();
      const started: string[] = [];
      await bus.subscribe(name, [t], async (m) => {
        started.push(m.id);
        await gate;
        await slow.handler(m);
      });
      const first = message(t);
      const publishing = bus.publish([first]);
      await eventually(() => expect(started).toEqual([first.id]));

      let closed = false;
      const closing = bus.close().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBe(false);
      release();
      await Promise.all([closing, publishing]);
      expect(slow.ids()).toEqual([first.id]);
      // closed on purpose: not connected, and not failed either (liveness must not restart a process shutting down)
      expect(bus.isConnected()).toBe(false);
      expect(bus.hasFailed()).toBe(false);

      // The same durable subscriber on a new bus takes over; the closed bus's handler sees nothing more.
      const next = await open();
      const successor = recorder();
      await next.subscribe(name, [t], successor.handler);
      const second = message(t);
      await next.publish([second]);
      await eventually(() => expect(successor.ids()).toEqual([second.id]));
      expect(started).toEqual([first.id]);
    });
  });
};
