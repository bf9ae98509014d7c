import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsServerInstalled, privateNats, type PrivateNats } from '../../../test/support/private-nats';
import { Unavailable } from '../../shared-kernel/errors';
import { newId } from '../../shared-kernel/ids';
import type { BusLogger } from './delivery-policy';
import { eventually } from './message-bus.contract';
import type { IntegrationMessage } from './message-bus';
import { NatsMessageBus } from './nats.message-bus';

/**
 * The NATS bus across a restart of a server of the test's own (stopped, then started again on the same port and
 * store). Without the nats-server program the suite is skipped, unless CI=true, where it must run.
 */

const quiet: BusLogger = { warn: () => undefined, error: () => undefined };
const needsNats = !natsServerInstalled() && process.env.CI !== 'true';
const TYPE = 'test.restarted.v1';
const message = (): IntegrationMessage => ({
  id: newId(),
  type: TYPE,
  occurredAt: new Date().toISOString(),
  correlationId: newId(),
  data: {},
});

/** Settles with what the promise did, or 'pending' if it did neither within `ms`. */
const within = (work: Promise<unknown>, ms: number) =>
  Promise.race([
    work.then(
      () => 'resolved' as const,
      (error: unknown) => error,
    ),
    new Promise((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);

describe.skipIf(needsNats)('NatsMessageBus across a restart of its server', () => {
  let nats: PrivateNats | undefined;
  let bus: NatsMessageBus | undefined;
  const received: string[] = [];

  beforeAll(async () => {
    nats = await privateNats();
    await nats.start();
    bus = await NatsMessageBus.connect(nats.url, { reconnect: { waitMs: 200 }, retryDelayMs: 100, logger: quiet });
    await bus.subscribe('restart-test', [TYPE], async (m) => {
      received.push(m.id);
    });
  });
  afterAll(async () => {
    if (nats && !nats.running()) await nats.start().catch(() => undefined);
    await bus?.close();
    await nats?.dispose();
  });

  it('refuses to publish at once while disconnected, reconnects by itself and goes on consuming', async () => {
    const first = message();
    await bus!.publish([first]);
    await eventually(() => expect(received).toContain(first.id));

    await nats!.stop();
    await eventually(() => expect(bus!.isConnected()).toBe(false));
    const refused = await within(bus!.publish([message()]), 2_000);
    expect(refused).toBeInstanceOf(Unavailable);
    expect(bus!.hasFailed()).toBe(false);

    await nats!.start();
    await eventually(() => expect(bus!.isConnected()).toBe(true));
    const after = message();
    await eventually(() => bus!.publish([after]));
    await eventually(() => expect(received).toContain(after.id));
    expect(bus!.hasFailed()).toBe(false);
  }, 60_000);
});
