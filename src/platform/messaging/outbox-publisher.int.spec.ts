import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../test/support/db';
import { ManualClock } from '../../shared-kernel/clock';
import { newId } from '../../shared-kernel/ids';
import { PgLogConsumers } from '../consumers/pg.log-consumers';
import type { AnyEvent, RecordedEvent } from '../event-store/event-store';
import { PostgresEventStore } from '../event-store/postgres.event-store';
import { PgDatabase } from '../persistence/pg.database';
import { platformCoreMigrations } from '../persistence/platform.migrations';
import { InProcessMessageBus, type InProcessBusOptions } from './in-process.message-bus';
import type { BusLogger } from './delivery-policy';
import { eventually } from './message-bus.contract';
import type { IntegrationMessage, IntegrationTranslator } from './message-bus';
import { messagingMigrations } from './messaging.migrations';
import { messageFrom } from './message-bus';
import { OutboxPublisher } from './outbox-publisher';
import { PgInbox } from './pg.inbox';

const quietBus: BusLogger = { warn: () => undefined, error: () => undefined };
const quiet = () => undefined;
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** ordering's switch: OrderPlaced goes out as one message, OrderShipped as two, anything else stays inside. */
const ordering: IntegrationTranslator = (event) =>
  event.type === 'OrderPlaced' ? messageFrom(event, 'ordering.order-placed.v1', event.data) : null;
const shipping: IntegrationTranslator = (event) =>
  event.type === 'OrderShipped'
    ? [messageFrom(event, 'shipping.order-shipped.v1', event.data), messageFrom(event, 'notifications.send-shipping-mail.v1', event.data)]
    : null;
const ALL_TYPES = ['ordering.order-placed.v1', 'shipping.order-shipped.v1', 'notifications.send-shipping-mail.v1'];

describe.each(testServers())('OutboxPublisher on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  let store: PostgresEventStore;
  const clock = new ManualClock();

  const suite = migratedDatabase(server, [...platformCoreMigrations, ...messagingMigrations]);
  beforeAll(async () => {
    db = suite.db;
    await db.query('create table effects (subscriber text not null, message_id text not null)');
    store = new PostgresEventStore(db);
  });

  /** One publisher consumer, as with a broker; the in-process bus's own mode (a consumer per subscriber) is tested below. */
  const busRelayingAsABroker = (options: InProcessBusOptions = {}) =>
    new InProcessMessageBus({ logger: quietBus, consumerPerSubscriber: false, ...options });
  /** A publisher as the app wires it: translators first, then install(). */
  const publisherOn = (bus: InProcessMessageBus) => {
    const consumers = new PgLogConsumers(db, store, clock, { log: quiet, pollIntervalMs: 20 });
    const publisher = new OutboxPublisher(consumers, bus);
    publisher.registerTranslator('ordering', ordering);
    publisher.registerTranslator('shipping', shipping);
    publisher.install();
    return { consumers, publisher };
  };
  const append = async (stream: string, events: AnyEvent[], correlationId = newId()) =>
    (
      await store.append(stream, events, {
        expectedVersion: 'any',
        meta: { commandId: newId(), correlationId, traceparent, now: clock.now() },
      })
    ).events;
  const placed = (orderId: string): AnyEvent => ({ type: 'OrderPlaced', data: { orderId } });

  it('publishes every translated message once, with ids, correlation and causation from the event', async () => {
    const bus = busRelayingAsABroker();
    const received: IntegrationMessage[] = [];
    await bus.subscribe('audit', ALL_TYPES, async (m) => void received.push(m));
    const { consumers, publisher } = publisherOn(bus);

    const [order, note] = await append(
      `ordering.order-${newId()}`,
      [placed('o-1'), { type: 'OrderNoteAdded', data: { note: 'internal' } }],
      'corr-1',
    );
    const [shipped] = await append(`shipping.shipment-${newId()}`, [{ type: 'OrderShipped', data: { orderId: 'o-1' } }], 'corr-2');
    await consumers.drain();
    await consumers.drain();

    const id = (e: RecordedEvent) => e.metadata.eventId;
    expect(received).toEqual([
      {
        id: id(order),
        type: 'ordering.order-placed.v1',
        occurredAt: order.metadata.occurredAt,
        correlationId: 'corr-1',
        causationId: id(order),
        traceparent,
        data: { orderId: 'o-1' },
      },
      expect.objectContaining({
        id: `${id(shipped)}:0`,
        type: 'shipping.order-shipped.v1',
        correlationId: 'corr-2',
        causationId: id(shipped),
        traceparent,
      }),
      expect.objectContaining({
        id: `${id(shipped)}:1`,
        type: 'notifications.send-shipping-mail.v1',
        correlationId: 'corr-2',
        causationId: id(shipped),
      }),
    ]);
    expect(publisher.translate(note)).toEqual([]);
    expect(publisher.translate(order).map((m) => m.id)).toEqual([id(order)]);
    expect(publisher.publishedCount).toBe(3);
    expect(await publisher.lag()).toBe(0);
    await bus.close();
  });

  it('refuses a translator registered after install()', () => {
    const { publisher } = publisherOn(busRelayingAsABroker());
    expect(() => publisher.registerTranslator('late', () => null)).toThrow(/after the outbox publisher was installed/);
  });

  it('loses and doubles nothing across a publisher restart', async () => {
    const bus = busRelayingAsABroker();
    const received: string[] = [];
    await bus.subscribe('audit', ['ordering.order-placed.v1'], async (m) => void received.push(m.id));
    // The new publisher starts where the previous one stopped (the checkpoints of the earlier test are shared).
    const before = publisherOn(bus);
    await before.consumers.drain();
    received.length = 0;

    const first = await append(`ordering.order-${newId()}`, [placed('r-1'), placed('r-2'), placed('r-3')]);
    await before.consumers.start();
    // order is kept within a correlation only; across correlations the set is what counts (and no duplicates)
    const sorted = (ids: string[]) => [...ids].sort();
    await eventually(() => expect(sorted(received)).toEqual(sorted(first.map((e) => e.metadata.eventId))));
    await before.consumers.stop();

    const whileDown = await append(`ordering.order-${newId()}`, [placed('r-4'), placed('r-5')]);
    const after = publisherOn(bus);
    await after.consumers.start();
    const later = await append(`ordering.order-${newId()}`, [placed('r-6')]);
    const expected = [...first, ...whileDown, ...later].map((e) => e.metadata.eventId);
    await eventually(() => expect(sorted(received)).toEqual(sorted(expected)));
    await after.consumers.stop();
    await after.consumers.drain();
    expect(sorted(received)).toEqual(sorted(expected));
    await bus.close();
  });

  it('republishes with the same ids after a failed publish, so an inbox applies each message once', async () => {
    const bus = busRelayingAsABroker({ maxDeliveries: 1 });
    const inbox = new PgInbox(db);
    const deliveries: string[] = [];
    await bus.subscribe('steady', ['ordering.order-placed.v1'], async (m) => {
      deliveries.push(m.id);
      await inbox.handleOnce('steady', m.id, (tx) =>
        tx.query('insert into effects values ($1, $2)', ['steady', m.id]).then(() => undefined),
      );
    });
    let refusals = 1;
    const [good, flaky] = await append(`ordering.order-${newId()}`, [placed('f-1'), placed('f-2')]);
    await bus.subscribe('flaky', ['ordering.order-placed.v1'], async (m) => {
      if (m.id === flaky.metadata.eventId && refusals-- > 0) throw new Error('flaky subscriber refuses once');
    });
    const { consumers } = publisherOn(bus);
    await consumers.drain(); // the failed event waits for its retry
    clock.advance(60_000);
    await consumers.drain();

    const ids = [good, flaky].map((e) => e.metadata.eventId);
    expect(new Set(deliveries)).toEqual(new Set(ids));
    expect(deliveries.filter((id) => id === flaky.metadata.eventId).length).toBeGreaterThan(1);
    const { rows } = await db.query<{ message_id: string }>(
      "select message_id from effects where subscriber = 'steady' order by message_id",
    );
    expect(rows.map((r) => r.message_id)).toEqual([...ids].sort());
    await bus.close();
  });

  it('gives each in-process subscriber its own consumer: a failing one is retried alone, the others apply once', async () => {
    const bus = new InProcessMessageBus({ maxDeliveries: 1, logger: quietBus });
    const steady: string[] = [];
    const flakyDeliveries: string[] = [];
    const [good, flaky] = await append(`ordering.order-${newId()}`, [placed('p-1'), placed('p-2')]);
    let refusals = 1;
    await bus.subscribe('steady-own', ['ordering.order-placed.v1'], async (m) => void steady.push(m.id));
    await bus.subscribe('flaky-own', ['ordering.order-placed.v1'], async (m) => {
      flakyDeliveries.push(m.id);
      if (m.id === flaky.metadata.eventId && refusals-- > 0) throw new Error('flaky subscriber refuses once');
    });
    const { consumers } = publisherOn(bus);
    await consumers.drain();
    clock.advance(60_000);
    await consumers.drain();

    const ours = (ids: string[]) => ids.filter((id) => id === good.metadata.eventId || id === flaky.metadata.eventId);
    expect(ours(steady)).toEqual([good.metadata.eventId, flaky.metadata.eventId]);
    expect(ours(flakyDeliveries).filter((id) => id === flaky.metadata.eventId)).toHaveLength(2);
    expect((await consumers.status()).map((s) => s.name).sort()).toEqual(['subscriber.flaky-own', 'subscriber.steady-own']);

    // a subscriber that joins later gets its own consumer too
    const late: string[] = [];
    await bus.subscribe('late-own', ['ordering.order-placed.v1'], async (m) => void late.push(m.id));
    await consumers.drain();
    expect(ours(late)).toEqual([good.metadata.eventId, flaky.metadata.eventId]);
    await bus.close();
  });
});
