import type { INestApplicationContext } from '@nestjs/common';
import { SingleBar, Presets } from 'cli-progress';
import { SalesSubscriber } from '../contexts/analytics/interface/sales.subscriber';
import { loadConfig } from '../platform/config';
import { CONSUMER_LOCK_NAMESPACE } from '../platform/consumers/consumer-batch';
import { LogConsumers } from '../platform/consumers/log-consumer';
import { EventStore } from '../platform/event-store/event-store';
import { rebuildInlineProjection } from '../platform/event-store/rebuild-inline-projection';
import { OutboxPublisher, SUBSCRIBER_CONSUMER_PREFIX } from '../platform/messaging/outbox-publisher';
import { Database, type Sql } from '../platform/persistence/database';
import { withAppContext } from './cli';

const USAGE = `Usage: npm run projections:rebuild -- <name> [<name> ...] | --all | --list`;

/**
 * A subscriber that keeps a read model of the messages it receives, listed and rebuilt under its subscriber name.
 * With the in-process bus it reads the log itself, as log consumer `subscriber.<name>`, so rewinding that consumer
 * after `reset` (its read model and its inbox rows) replays its whole history; over a broker it receives only new
 * messages.
 */
type SubscriberProjection = { readonly name: string; reset(tx: Sql): Promise<void> };

const subscriberProjections = (app: INestApplicationContext): SubscriberProjection[] => [app.get(SalesSubscriber)];

/** How many events of the log a consumer still has to read (its lag), polled while it replays. */
const lagOf = async (consumers: LogConsumers, name: string): Promise<number> =>
  (await consumers.status()).find((s) => s.name === name)?.lag ?? 0;

/** Drains a rewound log consumer, moving the bar as its lag shrinks. */
const replay = async (consumers: LogConsumers, name: string, bar: SingleBar): Promise<void> => {
  const total = await lagOf(consumers, name);
  bar.start(total, 0);
  const draining = consumers.drain([name]);
  let done = false;
  void draining.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    bar.update(Math.max(0, total - (await lagOf(consumers, name))));
  }
  await draining;
  bar.update(total);
};

/**
 * `LogConsumers.rewind` for a subscriber's own log consumer, which carries no `reset` of its own (the read model is
 * the subscriber's): in one transaction holding the consumer's lease, so a batch in flight, and the handler it waits
 * for, finishes first and none starts until the reset and the checkpoint's return to the start commit together.
 */
const rewindSubscriber = (db: Database, consumer: string, subscriber: SubscriberProjection): Promise<void> =>
  db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [CONSUMER_LOCK_NAMESPACE, consumer]);
    await subscriber.reset(tx);
    await tx.query('delete from es.consumer_failures where consumer = $1', [consumer]);
    await tx.query('delete from es.checkpoints where consumer = $1', [consumer]);
  });

/**
 * Rebuilds projections from the event log with a progress bar: a checkpointed projection is rewound (read model
 * reset, checkpoint at the start, in one transaction) and replays the log; an inline projection is reset and replayed
 * in one transaction; a subscriber's read model is reset and its log consumer rewound, where the in-process bus gives
 * it one. A running app may stay up: it reads the old read model until the inline rebuild commits, and a rewound
 * consumer is replayed by whichever process holds its lease.
 */
const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  return withAppContext(async (app) => {
    const consumers = app.get(LogConsumers);
    const store = app.get(EventStore);
    const db = app.get(Database);
    // the tool runs the in-process bus whatever the deployment runs (see withAppContext): ask the environment
    const deployedBus = loadConfig(process.env).messageBus;
    const inline = new Map(
      store
        .inlineProjections()
        .filter((p) => p.reset)
        .map((p) => [p.name, p]),
    );
    const subscribers = new Map(subscriberProjections(app).map((s) => [s.name, s]));
    const known = [...consumers.projections(), ...inline.keys(), ...subscribers.keys()].sort();
    if (args.includes('--list') || args.length === 0) {
      console.log(`${args.length === 0 ? `${USAGE}\n\n` : ''}Projections:\n${known.map((n) => `  ${n}`).join('\n')}`);
      return 0;
    }
    const names = args.includes('--all') ? known : args;
    const unknown = names.filter((n) => !known.includes(n));
    if (unknown.length) {
      console.error(`unknown projection(s): ${unknown.join(', ')}\n${USAGE}\nKnown: ${known.join(', ')}`);
      return 2;
    }
    // gives each subscriber its own log consumer (subscriber.<name>), not started: only what is drained here runs
    app.get(OutboxPublisher).install();
    let refused = 0;
    for (const name of names) {
      const subscriber = subscribers.get(name);
      if (subscriber && deployedBus !== 'in-process') {
        console.error(
          `${name}: not rebuilt: over a message broker (${deployedBus}) its subscriber receives only new messages, and the history it was built from cannot be replayed to it.`,
        );
        refused += 1;
        continue;
      }
      const bar = new SingleBar(
        { format: `${name.padEnd(28)} [{bar}] {percentage}% | {value}/{total} events | {duration}s` },
        Presets.shades_classic,
      );
      const started = Date.now();
      const projection = inline.get(name);
      if (projection) {
        const { rows } = await db.query<{ n: string }>('select count(*)::text as n from es.events where type = any($1::text[])', [
          [...projection.handles],
        ]);
        bar.start(Number(rows[0].n), 0);
        const replayed = await rebuildInlineProjection(db, store, projection, (n) => bar.update(n));
        bar.update(replayed);
      } else if (subscriber) {
        const consumer = `${SUBSCRIBER_CONSUMER_PREFIX}${subscriber.name}`;
        await rewindSubscriber(db, consumer, subscriber);
        await replay(consumers, consumer, bar);
      } else {
        await consumers.rewind(name);
        await replay(consumers, name, bar);
      }
      bar.stop();
      console.log(`${name}: rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return refused > 0 ? 1 : 0;
  });
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
