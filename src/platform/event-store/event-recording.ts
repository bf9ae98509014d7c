import { newId } from '../../shared-kernel/ids';
import type { Sql } from '../persistence/database';
import {
  WrongExpectedVersion,
  type AnyEvent,
  type AppendResult,
  type CommandMeta,
  type Decider,
  type EventMetadata,
  type ExpectedVersion,
  type LogCheckpoint,
  type RecordedEvent,
  type Upcaster,
  traceOf,
} from './event-store';

/* What the PostgreSQL store and its in-memory twin share, so both behave the same. */

/** The upcasters of every event type; also knows the schema version new events are written with. */
export class Upcasters {
  private readonly byKey = new Map<string, Upcaster>();
  private readonly newest = new Map<string, number>();

  register(upcaster: Upcaster): void {
    const key = `${upcaster.type}\u0000${upcaster.fromVersion}`;
    if (this.byKey.has(key)) throw new Error(`an upcaster for ${upcaster.type} v${upcaster.fromVersion} is already registered`);
    this.byKey.set(key, upcaster);
    this.newest.set(upcaster.type, Math.max(this.newest.get(upcaster.type) ?? 1, upcaster.fromVersion + 1));
  }

  /** The newest schema version of a type: 1 + the highest `fromVersion` of its upcasters, or 1. */
  currentVersion(type: string): number {
    return this.newest.get(type) ?? 1;
  }

  /** Applies the chain (type, v) → v+1 → … until no upcaster follows. */
  upcast(type: string, schemaVersion: number, data: Record<string, unknown>): { data: Record<string, unknown>; schemaVersion: number } {
    let version = schemaVersion;
    let current = data;
    for (let u = this.byKey.get(`${type}\u0000${version}`); u; u = this.byKey.get(`${type}\u0000${version}`)) {
      current = u.upcast(current);
      version += 1;
    }
    return { data: current, schemaVersion: version };
  }
}

export const eventMetadata = (meta: CommandMeta, schemaVersion: number): EventMetadata => ({
  eventId: newId(),
  commandId: meta.commandId,
  correlationId: meta.correlationId,
  ...(meta.causationId !== undefined && { causationId: meta.causationId }),
  ...(meta.userId !== undefined && { userId: meta.userId }),
  ...traceOf(meta),
  occurredAt: meta.now.toISOString(),
  schemaVersion,
});

/** The stream version an expected version demands, or null for 'any'. */
export const requiredVersion = (expected: ExpectedVersion): number | null =>
  expected === 'any' ? null : expected === 'no_stream' ? 0 : expected;

export const checkExpected = (stream: string, expected: ExpectedVersion, actual: number): void => {
  const required = requiredVersion(expected);
  if (required !== null && required !== actual) throw new WrongExpectedVersion(stream, expected, actual);
};

/** How many events of the log a read of some types looks at, at most: bounded work however rare the types. */
export const typedScanWindow = (limit: number): number => Math.max(limit * 10, 1000);

/** Compares two log checkpoints as (transaction id, position) pairs. */
export const compareCheckpoints = (a: LogCheckpoint, b: LogCheckpoint): number => {
  const t = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (t !== 0n) return t < 0n ? -1 : 1;
  const p = BigInt(a.position) - BigInt(b.position);
  return p === 0n ? 0 : p < 0n ? -1 : 1;
};

/** The first append of a command: where `decide` finds the result to return for a repeated command id. */
export type CommandResult = { stream: string; firstVersion: number; lastVersion: number };

/** A stream read for a decision, unless the command was already appended. */
export type DecisionRead = { duplicate: CommandResult } | { duplicate?: undefined; events: RecordedEvent[] };

export type DecidePorts = {
  readForDecision(stream: string, commandId: string, tx?: Sql): Promise<DecisionRead>;
  readStream(stream: string, options: { tx?: Sql }): Promise<RecordedEvent[]>;
  append(
    stream: string,
    events: AnyEvent[],
    options: { expectedVersion: ExpectedVersion; meta: CommandMeta; tx?: Sql },
  ): Promise<AppendResult>;
};

export const MAX_DECIDE_ATTEMPTS = 20;

const conflictBackoffMs = (attempt: number) => Math.min(2 ** attempt, 64) * (0.5 + Math.random());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const fold = <S, E extends AnyEvent>(decider: Decider<S, E>, events: RecordedEvent[]): { state: S; version: number } => ({
  state: events.reduce((state, event) => decider.evolve(state, event as unknown as E), decider.initialState()),
  version: events.length === 0 ? 0 : events[events.length - 1].version,
});

/** Read, fold, decide, append with the read version as expected version; retried on a version conflict. */
export const decideWithRetry = async <S, E extends AnyEvent>(
  ports: DecidePorts,
  stream: string,
  decider: Decider<S, E>,
  decision: (state: S) => E | E[],
  meta: CommandMeta,
  tx: Sql | undefined,
): Promise<{ events: RecordedEvent<E>[]; version: number; state: S; duplicate: boolean }> => {
  for (let attempt = 1; ; attempt++) {
    const read = await ports.readForDecision(stream, meta.commandId, tx);
    if (read.duplicate) {
      // the command was appended before: its first result, and the state right after it
      const { stream: firstStream, firstVersion, lastVersion } = read.duplicate;
      const history = (await ports.readStream(firstStream, { tx })).filter((e) => e.version <= lastVersion);
      const { state } = fold(decider, history);
      const events = history.filter((e) => e.version >= firstVersion) as RecordedEvent<E>[];
      return { events, version: lastVersion, state, duplicate: true };
    }
    const { state, version } = fold(decider, read.events);
    const decided = decision(state);
    const events = Array.isArray(decided) ? decided : [decided];
    if (events.length === 0) return { events: [], version, state, duplicate: false };
    try {
      const result = await ports.append(stream, events, { expectedVersion: version, meta, tx });
      // a concurrent run of the same command committed first: the next read returns its result
      if (result.duplicate && attempt < MAX_DECIDE_ATTEMPTS) continue;
      return {
        events: result.events as RecordedEvent<E>[],
        version: result.nextExpectedVersion,
        state: result.duplicate ? fold(decider, await ports.readStream(stream, { tx })).state : events.reduce(decider.evolve, state),
        duplicate: result.duplicate,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion) || attempt >= MAX_DECIDE_ATTEMPTS) throw error;
      await sleep(conflictBackoffMs(attempt));
    }
  }
};
