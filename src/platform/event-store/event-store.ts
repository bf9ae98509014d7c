import { Conflict } from '../../shared-kernel/errors';
import { nameBasedId } from '../../shared-kernel/ids';
import type { Sql } from '../persistence/database';

/** A domain event before it is stored: a past-tense business fact with plain JSON data. */
export type AnyEvent = { type: string; data: Record<string, unknown> | object };

/** Who and what caused a change. Built once per request (or per handled message) and written into every event. */
export type CommandMeta = {
  /** Idempotency: a second append with the same commandId is a no-op returning the first result. */
  commandId: string;
  correlationId: string;
  causationId?: string;
  userId?: string;
  /** W3C traceparent of the span the command runs in (request or message handler); absent while tracing is off. */
  traceparent?: string;
  /** W3C tracestate that goes with `traceparent`, when there is one. */
  tracestate?: string;
  now: Date;
};

export type EventMetadata = {
  eventId: string;
  commandId: string;
  correlationId: string;
  causationId?: string;
  userId?: string;
  traceparent?: string;
  tracestate?: string;
  /** ISO-8601, from CommandMeta.now */
  occurredAt: string;
  schemaVersion: number;
};

export type RecordedEvent<E extends AnyEvent = AnyEvent> = E & {
  stream: string;
  /** 1-based position in its stream */
  version: number;
  /** Position in the global log (bigint as string: it may pass 2^53) */
  globalPosition: string;
  metadata: EventMetadata;
};

const NO_TRACE_FIELDS: { traceparent?: string; tracestate?: string } = Object.freeze({});

/** The W3C trace context of an event's metadata, a message or a command's meta: only the fields present. */
export const traceOf = (source: { traceparent?: string; tracestate?: string }): { traceparent?: string; tracestate?: string } =>
  source.traceparent === undefined
    ? NO_TRACE_FIELDS
    : source.tracestate === undefined
      ? { traceparent: source.traceparent }
      : { traceparent: source.traceparent, tracestate: source.tracestate };

/** 'any': no check; 'no_stream': the stream must not exist; a number: the stream's current version must equal it. */
export type ExpectedVersion = 'any' | 'no_stream' | number;

export type AppendResult = {
  /** The stream's version after the append (or after the first append, for a repeated command). */
  nextExpectedVersion: number;
  /** True when commandId had been appended before and nothing was written now. */
  duplicate: boolean;
  events: RecordedEvent[];
};

export type Decider<S, E extends AnyEvent> = { initialState: () => S; evolve: (state: S, event: E) => S };

/** Where the global log has been read up to: (transaction id, position), compared as a pair. */
export type LogCheckpoint = { transactionId: string; position: string };
export const LOG_START: LogCheckpoint = { transactionId: '0', position: '0' };

/**
 * The meta of one append among several made by one command (or of an append made on behalf of another command):
 * its own command id, a name-based UUID of `source` and the stream. A command id counts as applied once across all
 * streams, so without this the second append of a command would be mistaken for a repeat of the first.
 */
export const metaForStream = (meta: CommandMeta, stream: string, source = meta.commandId): CommandMeta => ({
  ...meta,
  commandId: nameBasedId(`${source}\n${stream}`),
});

/**
 * For state written next to its events in one transaction: when the store reports the command id as applied before
 * (a command id is unique across the store and outlives Idempotency-Keys), nothing was appended now, and the state
 * row must not stay without its event — throwing rolls both back (409 `request.command_already_applied`).
 */
export const appendedNow = (result: AppendResult): AppendResult => {
  if (result.duplicate) throw new Conflict('request.command_already_applied', 'this command was applied before; nothing was changed');
  return result;
};

export class WrongExpectedVersion extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${stream} is at version ${actual}, expected ${String(expected)}`);
    this.name = 'WrongExpectedVersion';
  }
}

/** Unique violation (a concurrent insert), CHECK violation (a write on stale state), serialization failure, deadlock. */
const LOST_RACE_SQLSTATES = new Set(['23505', '23514', '40001', '40P01']);

/**
 * Runs a command's transaction again when it lost a race to a concurrent writer (another append took the version, a
 * unique key or a CHECK refused a stale write): the retry reads fresh state, so its decision is made on what is
 * committed. Other errors, and the last attempt's, are thrown.
 */
export const retryOnConflict = async <T>(work: () => Promise<T>, attempts = 8): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const lostRace = error instanceof WrongExpectedVersion || LOST_RACE_SQLSTATES.has((error as { code?: string } | null)?.code ?? '');
      if (!lostRace || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
};

/** Rewrites an older stored shape of an event type into the current one, one schema version at a time. */
export type Upcaster = { type: string; fromVersion: number; upcast: (data: Record<string, unknown>) => Record<string, unknown> };

/**
 * Runs inside the append transaction: read models the API must read its own writes from. When it fails, the append
 * fails, and so does the caller's transaction the append ran in (no savepoint: a round trip saved on every append).
 */
export type InlineProjection = {
  name: string;
  /** event types it handles; others are not passed */
  handles: readonly string[];
  apply(tx: Sql, events: RecordedEvent[]): Promise<void>;
  /** Empties the read model before a rebuild replays every event it handles (`npm run projections:rebuild`). */
  reset?(tx: Sql): Promise<void>;
};

/** One stream's part of `EventStore.appendStreams`: its events at `expectedVersion` (0: the stream has none yet). */
export type StreamAppend = { stream: string; expectedVersion: number; events: AnyEvent[]; meta: CommandMeta };

/**
 * The event store: append-only streams with optimistic concurrency and a global log
 * readers consume in commit order.
 */
export abstract class EventStore {
  /** Appends to one stream. Throws WrongExpectedVersion; a repeated meta.commandId is a no-op returning the first result.
   *  With `tx`, joins that transaction (state-stored contexts use this as their outbox). */
  abstract append(
    stream: string,
    events: AnyEvent[],
    options: { expectedVersion: ExpectedVersion; meta: CommandMeta; schemaVersions?: Record<string, number>; tx?: Sql },
  ): Promise<AppendResult>;

  /**
   * Appends to several streams in one round trip, in `tx`, a transaction that applies its messages once (an inbox or
   * checkpoint transaction, see `markAppliedOnce`): no command is recorded. A stream may come more than once, its
   * parts in order, each at the version the part before left it. The inline projections run once, with all the
   * events. Throws WrongExpectedVersion, having appended nothing, when a stream is not at the version its first part
   * expects. Returns each part's recorded events.
   */
  abstract appendStreams(appends: readonly StreamAppend[], tx: Sql): Promise<RecordedEvent[][]>;

  abstract readStream<E extends AnyEvent = AnyEvent>(
    stream: string,
    options?: { fromVersion?: number; tx?: Sql },
  ): Promise<RecordedEvent<E>[]>;

  /**
   * Reads these streams in one round trip for the decisions (`decide`, `readStream`, `aggregate`) that follow in `tx`,
   * a transaction that applies a batch once (an inbox or checkpoint transaction); elsewhere it does nothing.
   */
  abstract preload(streams: readonly string[], tx: Sql): Promise<void>;

  /** Events committed after `after`, in commit order; never skips a transaction that commits late. */
  abstract readAll(
    after: LogCheckpoint,
    limit: number,
    options?: { types?: readonly string[]; tx?: Sql },
  ): Promise<{ events: (RecordedEvent & { transactionId: string })[]; checkpoint: LogCheckpoint }>;

  /** Read, fold, decide, append with the read version as expected version; retried on a version conflict. */
  abstract decide<S, E extends AnyEvent>(
    stream: string,
    decider: Decider<S, E>,
    decision: (state: S) => E | E[],
    meta: CommandMeta,
    options?: { tx?: Sql },
  ): Promise<{ events: RecordedEvent<E>[]; version: number; state: S; duplicate: boolean }>;

  /** Fold a stream into its current state. */
  abstract aggregate<S, E extends AnyEvent>(
    stream: string,
    decider: Decider<S, E>,
    options?: { tx?: Sql },
  ): Promise<{ state: S; version: number }>;

  abstract registerUpcaster(upcaster: Upcaster): void;
  abstract registerInlineProjection(projection: InlineProjection): void;
  /** The inline projections registered so far (rebuilds replay the log through them). */
  abstract inlineProjections(): readonly InlineProjection[];
}
