import { retryOnConflict } from '../event-store/event-store';
import type { Sql, TransactionOptions } from '../persistence/database';
import type { Inbox, IntegrationMessage } from './message-bus';

type KeyOf = (message: IntegrationMessage) => string | undefined;

/**
 * Splits a batch for a handler that can apply some messages together (one transaction for all of them): `together`
 * holds those `canJoin` accepts whose key (e.g. the order) no other message of the batch shares, so their order does
 * not matter; `alone` holds the rest, in their order. Messages without a key stay alone.
 */
export const splitBatch = (
  messages: readonly IntegrationMessage[],
  keyOf: KeyOf,
  canJoin: (message: IntegrationMessage) => boolean,
): { together: IntegrationMessage[]; alone: IntegrationMessage[] } => {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const key = keyOf(message);
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const together: IntegrationMessage[] = [];
  const alone: IntegrationMessage[] = [];
  for (const message of messages) {
    const key = keyOf(message);
    (key !== undefined && counts.get(key) === 1 && canJoin(message) ? together : alone).push(message);
  }
  // one message gains nothing from going with others
  return together.length > 1 ? { together, alone } : { together: [], alone: [...messages] };
};

/** Handles messages one after the other per key, in their order, and different keys concurrently. */
export const handleByKey = async (
  messages: readonly IntegrationMessage[],
  keyOf: KeyOf,
  handle: (message: IntegrationMessage) => Promise<void>,
): Promise<void> => {
  const runs = new Map<string, IntegrationMessage[]>();
  for (const message of messages) {
    const key = keyOf(message) ?? message.correlationId;
    runs.set(key, [...(runs.get(key) ?? []), message]);
  }
  await Promise.all(
    [...runs.values()].map(async (run) => {
      for (const message of run) await handle(message);
    }),
  );
};

/** The `orderId` a message's data names, if any: the key of most commands and facts about one order. */
export const orderIdOf: KeyOf = (message) => {
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

export type InOrderOptions = TransactionOptions & {
  /**
   * Runs first in the transaction, with the messages not handled before: e.g. reads the streams their effects decide
   * on in one round trip (`EventStore.preload`) instead of one per effect.
   */
  prepare?: (tx: Sql, fresh: readonly IntegrationMessage[]) => Promise<void>;
};

/** What a message does in its inbox transaction; undefined when there is nothing to do (e.g. a malformed fact ignored). */
export type EffectOf = (message: IntegrationMessage) => ((tx: Sql) => Promise<unknown>) | undefined;

/**
 * A batch in one inbox transaction, in its order: the effect of each message not handled before runs after those
 * before it, so messages about the same order (or cart) may share the batch, and the batch costs one commit. A
 * message twice in the batch runs once. `effectOf` may throw for a message that must not be passed over: nothing is
 * applied, and the bus retries, then narrows the batch down to it.
 */
export const handleInOrder = async (
  inbox: Inbox,
  subscriber: string,
  messages: readonly IntegrationMessage[],
  effectOf: EffectOf,
  options?: InOrderOptions,
): Promise<void> => {
  const seen = new Set<string>();
  const effects: { id: string; message: IntegrationMessage; effect: (tx: Sql) => Promise<unknown> }[] = [];
  for (const message of messages) {
    if (seen.has(message.id)) continue;
    seen.add(message.id);
    const effect = effectOf(message);
    if (effect) effects.push({ id: message.id, message, effect });
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
        fresh.map(({ message }) => message),
      );
      for (const { effect } of fresh) await effect(tx);
    },
    transaction,
  );
};
