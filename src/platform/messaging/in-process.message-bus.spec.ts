import { describe, expect, it } from 'vitest';
import { InProcessMessageBus } from './in-process.message-bus';
import type { IntegrationMessage, OutboxLog } from './message-bus';

const quiet = { warn: () => undefined, error: () => undefined };
const message = (id: string, correlationId: string): IntegrationMessage => ({
  id,
  type: 'test.thing-happened.v1',
  occurredAt: '2026-01-01T00:00:00Z',
  correlationId,
  data: {},
});

describe('InProcessMessageBus ordering', () => {
  it('holds back the rest of a flow after a failure, while other flows go on', async () => {
    const bus = new InProcessMessageBus({ maxDeliveries: 1, logger: quiet });
    const handled: string[] = [];
    let failFirst = true;
    await bus.subscribe('orderly-test', ['test.thing-happened.v1'], async (m) => {
      if (m.id === 'a1' && failFirst) {
        failFirst = false;
        throw new Error('a1 fails once');
      }
      handled.push(m.id);
    });
    const batch = [message('a1', 'flow-a'), message('b1', 'flow-b'), message('a2', 'flow-a'), message('b2', 'flow-b')];

    await expect(bus.deliverTo('orderly-test', batch)).rejects.toThrow(/failed message a1/);
    expect(handled).toEqual(['b1', 'b2']); // a2 waited for a1

    await bus.deliverTo(
      'orderly-test',
      batch.filter((m) => m.correlationId === 'flow-a'),
    );
    expect(handled).toEqual(['b1', 'b2', 'a1', 'a2']);
    await bus.close();
  });
});

describe('InProcessMessageBus relaying from the outbox', () => {
  /** Records what the bus asks of the outbox; `deliverTo` holds each subscriber's delivery. */
  const recordingOutbox = () => {
    const asked: string[] = [];
    const deliverTo = new Map<string, (messages: IntegrationMessage[]) => Promise<void>>();
    const outbox: OutboxLog = {
      publishAll: () => void asked.push('publish all'),
      consumeFor: (subscriber, types, deliver) => {
        asked.push(`${subscriber}: ${types.join(' ')}`);
        deliverTo.set(subscriber, deliver);
      },
    };
    return { outbox, asked, deliverTo };
  };

  it('gives each subscriber, present or late, a log consumer of its own that delivers to it alone', async () => {
    const bus = new InProcessMessageBus({ logger: quiet });
    const handled: string[] = [];
    await bus.subscribe('early', ['test.thing-happened.v1'], async (m) => void handled.push(`early ${m.id}`));
    const { outbox, asked, deliverTo } = recordingOutbox();
    bus.relayFrom(outbox);
    await bus.subscribeBatch('late', ['test.thing-happened.v1'], async (ms) => void handled.push(`late ${ms.map((m) => m.id).join()}`));

    expect(asked).toEqual(['early: test.thing-happened.v1', 'late: test.thing-happened.v1']);
    await deliverTo.get('late')!([message('m1', 'flow-a'), message('m2', 'flow-b')]);
    expect(handled).toEqual(['late m1,m2']);
    await bus.close();
  });

  it('relays through one publisher, as with a broker, when told not to give subscribers consumers', async () => {
    const bus = new InProcessMessageBus({ logger: quiet, consumerPerSubscriber: false });
    await bus.subscribe('early', ['test.thing-happened.v1'], async () => undefined);
    const { outbox, asked } = recordingOutbox();
    bus.relayFrom(outbox);
    await bus.subscribe('late', ['test.thing-happened.v1'], async () => undefined);

    expect(asked).toEqual(['publish all']);
    await bus.close();
  });
});
