import type { Database } from '../persistence/database';
import { LOG_START, type EventStore, type InlineProjection, type LogCheckpoint } from './event-store';

const PAGE = 1000;

/**
 * Rebuilds an inline projection from the log in one transaction: `reset`, then every event it handles, in commit
 * order. Readers see the old read model until the commit. An append racing the rebuild stays consistent: its own
 * projection write waits for the rebuild's locks, and its event is not visible to the rebuild's reads until it commits.
 * Returns the number of events replayed.
 */
export const rebuildInlineProjection = async (
  db: Database,
  store: EventStore,
  projection: InlineProjection,
  onProgress: (replayed: number) => void = () => undefined,
): Promise<number> => {
  if (!projection.reset) throw new Error(`${projection.name} cannot be rebuilt: it has no reset`);
  return db.transaction(async (tx) => {
    await projection.reset!(tx);
    let after: LogCheckpoint = LOG_START;
    let replayed = 0;
    for (;;) {
      const { events, checkpoint } = await store.readAll(after, PAGE, { types: projection.handles, tx });
      if (events.length === 0) return replayed;
      await projection.apply(tx, events);
      replayed += events.length;
      onProgress(replayed);
      after = checkpoint;
    }
  });
};
