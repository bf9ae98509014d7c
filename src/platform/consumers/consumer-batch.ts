import type { Clock } from '../../shared-kernel/clock';
import { LOG_START, type EventStore, type LogCheckpoint, type RecordedEvent } from '../event-store/event-store';
import { compareCheckpoints } from '../event-store/event-recording';
import { afterCommit, type Database, markAppliedOnce, type Sql, type TransactionOptions } from '../persistence/database';
import { isOutage } from '../outage';
import type { LogConsumer } from './log-consumer';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>) => void;

export type BatchContext = {
  db: Database;
  store: EventStore;
  clock: Clock;
  log: LogFn;
  batchSize: number;
  /** Told of a failed delivery that will be retried, once the retry is recorded (metrics). */
  onRetry?: (consumer: string) => void;
  /** Told of an event moved to the dead letters, once that is committed (metrics). */
  onDeadLetter?: (consumer: string) => void;
  /**
   * Outage retries in a row per consumer in this process (sets the pace of the next one; reset once a batch gets
   * through). None: every outage retry comes after the shortest delay.
   */
  outageRetries?: Map<string, number>;
};

export type BatchOutcome =
  /** another instance holds this consumer right now */
  | { kind: 'busy' }
  /**
   * `more`: a whole batch was read, so more events may be waiting. `behind`: events committed after the checkpoint
   * exist but are not readable yet (an older transaction is still open); they will be soon.
   */
  | { kind: 'handled'; handled: number; checkpoint: LogCheckpoint; more: boolean; behind?: boolean }
  /** the next event failed before and waits for its retry */
  | { kind: 'waiting'; retryAt: Date };

type Lease = { checkpoint: LogCheckpoint; failure?: { position: string; attempts: number; nextAttemptAt: Date } };
type Failure = { index: number; event: RecordedEvent & { transactionId: string }; error: unknown };

export const DEFAULT_MAX_ATTEMPTS = 5;
/** Namespace of the consumers' advisory locks (the second key is hashtext(consumer name)). */
export const CONSUMER_LOCK_NAMESPACE = 0x4553;
const MAX_ERROR_LENGTH = 4000;

/** Delay before the retry of a handler that failed `attempts` times: 100 ms doubling, at most 30 s. */
export const retryBackoffMs = (attempts: number): number => Math.min(100 * 2 ** (attempts - 1), 30_000);

/**
 * Delay before the retry of an event whose handler met an outage for the `retries`th time in a row: 250 ms doubling,
 * at most 2 s. Short, unlike `retryBackoffMs`: the handler is not at fault, and what it waits for (a broker, the
 * database) comes back on its own, after which every retry that is still sleeping is time lost for the work in flight.
 */
export const outageRetryMs = (retries: number): number => Math.min(250 * 2 ** (Math.max(retries, 1) - 1), 2_000);

const errorText = (error: unknown): string =>
  (error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error)).slice(0, MAX_ERROR_LENGTH);

const optionsOf = (consumer: LogConsumer): TransactionOptions => ({ appendsNoEvents: consumer.appendsNoEvents });

const checkpointOf = (event: RecordedEvent & { transactionId: string }): LogCheckpoint => ({
  transactionId: event.transactionId,
  position: event.globalPosition,
});

/**
 * Takes the consumer for this transaction. A transaction-level advisory lock rather than `FOR UPDATE` on the
 * checkpoint row: it gives the transaction no transaction id, so a batch does not hold back the log horizon of every
 * reader while it runs, and the events its handlers append are ordered after the transactions they read.
 */
const lease = async (tx: Sql, consumer: string): Promise<Lease | undefined> => {
  const { rows: locked } = await tx.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1, hashtext($2)) as locked', [
    CONSUMER_LOCK_NAMESPACE,
    consumer,
  ]);
  if (!locked[0].locked) return undefined;
  // a statement after the lock, so it sees the checkpoint the previous holder committed
  const { rows } = await tx.query<{
    transaction_id: string | null;
    position: string | null;
    failed_position: string | null;
    attempts: number | null;
    next_attempt_at: Date | null;
  }>(
    `select c.transaction_id::text as transaction_id, c.position::text as position,
            f.global_position::text as failed_position, f.attempts, f.next_attempt_at
     from (select $1::text as consumer) x
     left join es.checkpoints c on c.consumer = x.consumer
     left join es.consumer_failures f on f.consumer = x.consumer
     order by f.global_position`,
    [consumer],
  );
  const row = rows[0];
  const checkpoint = row.transaction_id ? { transactionId: row.transaction_id, position: row.position! } : LOG_START;
  const failure = row.failed_position
    ? { position: row.failed_position, attempts: row.attempts!, nextAttemptAt: row.next_attempt_at! }
    : undefined;
  return { checkpoint, failure };
};

/**
 * SQL: is there a committed event after the checkpoint given by these two parameters? Written as an ordered LIMIT 1
 * rather than EXISTS: the planner cannot estimate the row comparison on xid8 and, for EXISTS, falls back to a
 * sequential scan of the whole log; ordered by the index, it reads one index entry.
 */
const eventAfter = (transactionId: string, position: string) =>
  `((select 1 from es.events e where (e.transaction_id, e.global_position) > (${transactionId}::xid8, ${position}::bigint)
     order by e.transaction_id, e.global_position limit 1) is not null)`;

/** Whether committed events follow the checkpoint (readAll leaves out those newer than a still-open transaction). */
export const committedAfter = async (sql: Sql, checkpoint: LogCheckpoint): Promise<boolean> =>
  (await sql.query<{ behind: boolean }>(`select ${eventAfter('$1', '$2')} as behind`, [checkpoint.transactionId, checkpoint.position]))
    .rows[0].behind;

/** Saves the checkpoint and clears the consumer's failures; returns whether committed events follow it. */
const saveCheckpoint = async (tx: Sql, consumer: string, checkpoint: LogCheckpoint): Promise<boolean> =>
  (
    await tx.query<{ behind: boolean }>(
      `with cleared as (delete from es.consumer_failures where consumer = $1),
       saved as (
         insert into es.checkpoints (consumer, transaction_id, position, updated_at) values ($1, $2::xid8, $3, now())
         on conflict (consumer) do update set transaction_id = excluded.transaction_id, position = excluded.position, updated_at = now()
       )
       select ${eventAfter('$2', '$3')} as behind`,
      [consumer, checkpoint.transactionId, checkpoint.position],
    )
  ).rows[0].behind;

/**
 * Saves the position a consumer has passed over unwanted events to (the log tail showed it nothing it wants there),
 * without reading them again: under the consumer's lease, and only forward from the saved checkpoint and with no
 * retry pending. Returns false when another instance holds the consumer or its checkpoint is elsewhere.
 */
export const saveSkipped = async (ctx: BatchContext, consumer: LogConsumer, skippedTo: LogCheckpoint): Promise<boolean> =>
  ctx.db.transaction(async (tx) => {
    const held = await lease(tx, consumer.name);
    if (!held || held.failure || compareCheckpoints(held.checkpoint, skippedTo) >= 0) return false;
    await saveCheckpoint(tx, consumer.name, skippedTo);
    return true;
  }, optionsOf(consumer));

/**
 * One batch of one consumer in one transaction: lease, read after the checkpoint, handle each event, advance the
 * checkpoint. Handlers run without savepoints (no extra round trips); when one throws, the batch is rolled back and
 * `recordFailure` commits the events before the failing one, then schedules its retry or dead-letters it.
 */
export const runBatch = async (ctx: BatchContext, consumer: LogConsumer, eventByEvent = false): Promise<BatchOutcome> => {
  let failure: Failure | undefined;
  let batchFailed = false;
  try {
    return await ctx.db.transaction(async (tx): Promise<BatchOutcome> => {
      const held = await lease(tx, consumer.name);
      if (!held) return { kind: 'busy' };
      // the checkpoint moves in this transaction: what the handlers append here commits once per event
      markAppliedOnce(tx);
      const { events, checkpoint } = await ctx.store.readAll(held.checkpoint, ctx.batchSize, { types: consumer.types, tx });
      const pending = held.failure;
      if (pending && events[0]?.globalPosition === pending.position && pending.nextAttemptAt > ctx.clock.now()) {
        return { kind: 'waiting', retryAt: pending.nextAttemptAt };
      }
      if (consumer.handleBatch && !eventByEvent && events.length > 0) {
        try {
          await consumer.handleBatch(events, tx);
        } catch (error) {
          batchFailed = true;
          throw error;
        }
      } else {
        for (let index = 0; index < events.length; index++) {
          try {
            await consumer.handle(events[index], tx);
          } catch (error) {
            failure = { index, event: events[index], error };
            throw error;
          }
        }
      }
      ctx.outageRetries?.delete(consumer.name);
      const full = events.length >= ctx.batchSize;
      const moved = compareCheckpoints(checkpoint, held.checkpoint) !== 0;
      const behind =
        pending || moved ? await saveCheckpoint(tx, consumer.name, checkpoint) : !full && (await committedAfter(tx, checkpoint));
      // a read of some types looks at a bounded part of the log: while it moves and events follow, read on
      const more = full || (moved && behind);
      return { kind: 'handled', handled: events.length, checkpoint, more, behind: !more && behind };
    }, optionsOf(consumer));
  } catch (error) {
    // the batch as a whole failed: find the failing event by handling the same events one at a time
    if (batchFailed) return runBatch(ctx, consumer, true);
    if (!failure) throw error;
  }
  return recordFailure(ctx, consumer, failure);
};

/** Commits the events before the failed one again (their first run was rolled back), then the failure itself. */
const recordFailure = async (ctx: BatchContext, consumer: LogConsumer, first: Failure): Promise<BatchOutcome> => {
  for (let failed = first; ;) {
    let earlier: Failure | undefined;
    try {
      return await ctx.db.transaction(async (tx): Promise<BatchOutcome> => {
        const held = await lease(tx, consumer.name);
        if (!held) return { kind: 'busy' };
        markAppliedOnce(tx);
        // the same read as the failed batch (a read of some types looks at a part of the log sized by the limit)
        const { events } = await ctx.store.readAll(held.checkpoint, ctx.batchSize, { types: consumer.types, tx });
        if (events[failed.index]?.globalPosition !== failed.event.globalPosition) {
          return { kind: 'handled', handled: 0, checkpoint: held.checkpoint, more: true }; // the checkpoint moved meanwhile: start over
        }
        for (let index = 0; index < failed.index; index++) {
          try {
            await consumer.handle(events[index], tx);
          } catch (error) {
            earlier = { index, event: events[index], error };
            throw error;
          }
        }
        return settle(ctx, tx, consumer, held, failed, failed.index > 0 ? checkpointOf(events[failed.index - 1]) : held.checkpoint);
      }, optionsOf(consumer));
    } catch (error) {
      if (!earlier) throw error;
      failed = earlier;
    }
  }
};

/**
 * Schedules the retry of the failed event, or moves it to the dead letters once it used up its attempts. `attempts`
 * counts the handler's own failures at that event: an outage neither adds to them nor waits out their backoff.
 */
const settle = async (
  ctx: BatchContext,
  tx: Sql,
  consumer: LogConsumer,
  held: Lease,
  failed: Failure,
  before: LogCheckpoint,
): Promise<BatchOutcome> => {
  const { event, error } = failed;
  const outage = isOutage(error);
  const attempts = (held.failure?.position === event.globalPosition ? held.failure.attempts : 0) + (outage ? 0 : 1);
  const maxAttempts = consumer.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const fields = {
    consumer: consumer.name,
    globalPosition: event.globalPosition,
    eventId: event.metadata.eventId,
    type: event.type,
    attempts,
    err: error,
  };

  if (attempts >= maxAttempts && !outage) {
    await tx.query(
      `insert into es.dead_letters (consumer, global_position, event_id, type, error, attempts) values ($1, $2, $3, $4, $5, $6)`,
      [consumer.name, event.globalPosition, event.metadata.eventId, event.type, errorText(error), attempts],
    );
    await saveCheckpoint(tx, consumer.name, checkpointOf(event));
    ctx.log('error', 'event moved to the dead letters', fields);
    const { onDeadLetter } = ctx;
    if (onDeadLetter) afterCommit(tx, () => onDeadLetter(consumer.name));
    return { kind: 'handled', handled: failed.index, checkpoint: checkpointOf(event), more: true };
  }

  const delayMs = outage ? outageRetryMs(nextOutageRetry(ctx, consumer.name)) : retryBackoffMs(attempts);
  if (!outage) ctx.outageRetries?.delete(consumer.name);
  const retryAt = new Date(ctx.clock.now().getTime() + delayMs);
  if (compareCheckpoints(before, held.checkpoint) !== 0) await saveCheckpoint(tx, consumer.name, before);
  await tx.query(
    `insert into es.consumer_failures (consumer, global_position, attempts, next_attempt_at, last_error) values ($1, $2, $3, $4, $5)
     on conflict (consumer, global_position) do update set attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error`,
    [consumer.name, event.globalPosition, attempts, retryAt, errorText(error)],
  );
  ctx.log('warn', outage ? 'event handler met an outage; will retry' : 'event handler failed; will retry', {
    ...fields,
    retryAt: retryAt.toISOString(),
  });
  const { onRetry } = ctx;
  if (onRetry) afterCommit(tx, () => onRetry(consumer.name));
  return { kind: 'waiting', retryAt };
};

const nextOutageRetry = (ctx: BatchContext, consumer: string): number => {
  const retries = (ctx.outageRetries?.get(consumer) ?? 0) + 1;
  ctx.outageRetries?.set(consumer, retries);
  return retries;
};
