import { SingleBar, Presets } from 'cli-progress';
import { LogConsumers } from '../platform/consumers/log-consumer';
import { EventStore } from '../platform/event-store/event-store';
import { rebuildInlineProjection } from '../platform/event-store/rebuild-inline-projection';
import { Database } from '../platform/persistence/database';
import { withAppContext } from './cli';

const USAGE = `Usage: npm run projections:rebuild -- <name> [<name> ...] | --all | --list`;

/** How many events of the log a consumer still has to read (its lag), polled while it replays. */
const lagOf = async (consumers: LogConsumers, name: string): Promise<number> =>
  (await consumers.status()).find((s) => s.name === name)?.lag ?? 0;

/**
 * Rebuilds projections from the event log with a progress bar: a checkpointed projection is rewound (read model
 * reset, checkpoint at the start, in one transaction) and replays the log; an inline projection is reset and replayed
 * in one transaction. A running app may stay up: it reads the old read model until the inline rebuild commits, and a
 * rewound consumer is replayed by whichever process holds its lease.
 */
const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  return withAppContext(async (app) => {
    const consumers = app.get(LogConsumers);
    const store = app.get(EventStore);
    const db = app.get(Database);
    const inline = new Map(
      store
        .inlineProjections()
        .filter((p) => p.reset)
        .map((p) => [p.name, p]),
    );
    const checkpointed = new Set(consumers.projections());
    const known = [...checkpointed, ...inline.keys()].sort();
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
    for (const name of names) {
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
      } else {
        await consumers.rewind(name);
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
      }
      bar.stop();
      console.log(`${name}: rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return 0;
  });
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
