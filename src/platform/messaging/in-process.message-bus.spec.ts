import { describe, expect, it } from 'vitest';
import { InProcessMessageBus } from './in-process.message-bus';
import type { IntegrationMessage } from './message-bus';

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
