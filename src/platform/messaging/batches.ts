import { retryOnConflict } from '../event-store/event-store';
import type { Sql, TransactionOptions } from '../persistence/database';
import type { Inbox, IntegrationMessage } from './message-bus';

/**
 * Splits a batch for a handler that can apply some items together (one transaction for all of them): `together`
 * holds those `canJoin` accepts whose key (e.g. the order) no other item of the batch shares, so their order does
 * not matter; `alone` holds the rest, in their order. Items without a key stay alone.
 */
export const splitBatch = <T>(
  items: readonly T[],
  keyOf: (item: T) => string | undefined,
  canJoin: (item: T) => boolean,
): { together: T[]; alone: T[] } => {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const together: T[] = [];
  const alone: T[] = [];
  for (const item of items) {
    const key = keyOf(item);
    (key !== undefined && counts.get(key) === 1 && canJoin(item) ? together : alone).push(item);
  }
  // one item gains nothing from going with others
  return together.length > 1 ? { together, alone } : { together: [], alone: [...items] };
};

/** Handles items one after the other per key, in their order, and different keys concurrently. */
export const handleByKey = async <T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  handle: (item: T) => Promise<void>,
): Promise<void> => {
  const runs = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    runs.set(key, [...(runs.get(key) ?? []), item]);
  }
  await Promise.all(
    [...runs.values()].map(async (run) => {
      for (const item of run) await handle(item);
    }),
  );
};

/** The `orderId` a message's data names, if any: the key of most commands and facts about one order. */
export const orderIdOf = (message: IntegrationMessage): string | undefined => {
  const orderId = (message.data as { orderId?: unknown } | null)?.orderId;
  return typeof orderId === 'string' ? orderId : undefined;
};

/**
 * Applies the commands of a batch together: one inbox transaction records the ids not handled before and runs
 * `work` with their commands (in their order); the whole transaction runs again when it loses a race.
 */
export const handleTogether = <C extends { id: string }>(
  inbox: Inbox,
  subscriber: string,
  commands: readonly C[],
  work: (tx: Sql, fresh: C[]) => Promise<unknown>,
  options?: TransactionOptions,
): Promise<void> =>
  retryOnConflict(() =>
    inbox.handleEachOnce(
      subscriber,
      commands.map(({ id }) => id),
      async (tx, fresh) => {
        await work(
          tx,
          commands.filter(({ id }) => fresh.has(id)),
        );
      },
      options,
    ),
  );

export type InOrderOptions<T> = TransactionOptions & {
  /**
   * Runs first in the transaction, with the items not handled before: e.g. reads the streams their effects decide
   * on in one round trip (`EventStore.preload`) instead of one per effect.
   */
  prepare?: (tx: Sql, fresh: readonly T[]) => Promise<void>;
};

/** What an item does in its inbox transaction; undefined when there is nothing to do (no inbox row either). */
export type EffectOf<T> = (item: T) => ((tx: Sql) => Promise<unknown>) | undefined;

/**
 * A batch in one inbox transaction, in its order: the effect of each item (a message, by its id) not handled before
 * runs after those before it, so messages about the same order (or cart) may share the batch, and the batch costs
 * one commit. An id twice in the batch runs once. `effectOf` may throw for an item that must not be passed over:
 * nothing is applied, and the bus retries, then narrows the batch down to it.
 */
export const handleInOrder = async <T extends { readonly id: string }>(
  inbox: Inbox,
  subscriber: string,
  items: readonly T[],
  effectOf: EffectOf<T>,
  options?: InOrderOptions<T>,
): Promise<void> => {
  const seen = new Set<string>();
  const effects: { id: string; item: T; effect: (tx: Sql) => Promise<unknown> }[] = [];
  for (const item of items) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    const effect = effectOf(item);
    if (effect) effects.push({ id: item.id, item, effect });
  }
  if (effects.length === 0) return;
  const { prepare, ...transaction } = options ?? {};
  await handleTogether(
    inbox,
    subscriber,
    effects,
    async (tx, fresh) => {
      await prepare?.(
        tx,
        fresh.map(({ item }) => item),
      );
      for (const { effect } of fresh) await effect(tx);
    },
    transaction,
  );
};
