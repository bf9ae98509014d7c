import { appendsNoEvents, type Database, isAppliedOnce, onceCommitted, type Sql } from '../persistence/database';
import {
  EventStore,
  WrongExpectedVersion,
  type AnyEvent,
  type AppendResult,
  type CommandMeta,
  type Decider,
  type ExpectedVersion,
  type InlineProjection,
  type LogCheckpoint,
  type RecordedEvent,
  type StreamAppend,
  type Upcaster,
} from './event-store';
import { Upcasters, checkExpected, decideWithRetry, fold, type CommandResult, type DecisionRead } from './event-recording';
import { DECISION_READ, READ_STREAM, READ_STREAMS, type EventRow } from './postgres.event-store.sql';
import { CommitNotifier } from './commit-notifier';
import { currentVersion, emptyAppendCheck, findCommand } from './postgres.command-results';
import { appendStreams, type AppendStreamsDeps } from './postgres.append-streams';
import { appendAttempt, type AppendStreamDeps, type Attempt } from './postgres.append-stream';
import { readAllAfter } from './postgres.read-all';
import { PreloadedStreams } from './preloaded-streams';

export type PostgresEventStoreOptions = {
  /** Told of the events this store appended once they are committed (never of a rolled-back append): metrics. */
  onCommitted?: (events: readonly RecordedEvent[]) => void;
};

/** How often an 'any' append is retried when a concurrent append took the same version. */
const ANY_VERSION_ATTEMPTS = 20;

/**
 * The event store on PostgreSQL (`es.events`). Appends are single statements whose unique (stream, version) enforces
 * the expected version; a command id is claimed in `es.command_results` in the same statement. Inline projections
 * run in the append transaction. Readers of the global log see only transactions older than every running one.
 */
export class PostgresEventStore extends EventStore {
  private readonly upcasters = new Upcasters();
  private readonly projections: { projection: InlineProjection; handles: Set<string> }[] = [];
  private readonly notifier: CommitNotifier;
  private readonly notifyCommitted = () => this.notifier.notify();
  private readonly preloaded = new PreloadedStreams();

  constructor(
    private readonly db: Database,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    super();
    this.notifier = new CommitNotifier(db);
  }

  registerUpcaster(upcaster: Upcaster): void {
    this.upcasters.register(upcaster);
  }

  registerInlineProjection(projection: InlineProjection): void {
    this.projections.push({ projection, handles: new Set(projection.handles) });
  }

  inlineProjections(): readonly InlineProjection[] {
    return this.projections.map((p) => p.projection);
  }

  async append(
    stream: string,
    events: AnyEvent[],
    options: { expectedVersion: ExpectedVersion; meta: CommandMeta; schemaVersions?: Record<string, number>; tx?: Sql },
  ): Promise<AppendResult> {
    const { expectedVersion, meta, tx } = options;
    // readers of the log do not wait for such a transaction: what it appended could be passed over for good
    if (tx && appendsNoEvents(tx)) throw new Error(`an append to ${stream} in a transaction that promised to append no events`);
    if (events.length === 0) return this.appendNothing(stream, expectedVersion, meta.commandId, tx);

    const { attempt, withProjections } = appendAttempt(this.appendDeps, stream, events, options);

    for (let n = 1; ; n++) {
      const outcome = await this.inTransactionOf(tx, withProjections, attempt);
      if (outcome.kind === 'appended') {
        if (!tx) this.notifier.notify();
        this.reportCommitted(tx, outcome.events);
        this.preloaded.appended(tx, stream, outcome.events);
        const last = outcome.events[outcome.events.length - 1];
        return { nextExpectedVersion: last.version, duplicate: false, events: outcome.events };
      }
      if (outcome.kind === 'duplicate') return this.duplicateResult(outcome.result, tx);
      if (outcome.kind === 'conflict') this.preloaded.forget(tx, stream);
      if (outcome.kind === 'conflict' && (expectedVersion !== 'any' || n >= ANY_VERSION_ATTEMPTS)) {
        const actual = outcome.actual >= 0 ? outcome.actual : await currentVersion(tx ?? this.db, stream);
        throw new WrongExpectedVersion(stream, expectedVersion, actual);
      }
      if (outcome.kind === 'retry') {
        const found = await findCommand(tx ?? this.db, meta.commandId);
        if (found) return this.duplicateResult(found, tx);
      }
      if (n >= ANY_VERSION_ATTEMPTS) throw new Error(`append to ${stream} did not settle after ${n} attempts`);
    }
  }

  appendStreams(appends: readonly StreamAppend[], tx: Sql): Promise<RecordedEvent[][]> {
    return appendStreams(this.appendDeps, appends, tx);
  }

  /** What both appends (one stream, several at once) need of the store. */
  private readonly appendDeps: AppendStreamsDeps & AppendStreamDeps = {
    schemaVersionOf: (type) => this.upcasters.currentVersion(type),
    projections: this.projections,
    preloaded: this.preloaded,
    notifyCommitted: this.notifyCommitted,
    reportCommitted: (tx, events) => this.reportCommitted(tx, events),
  };

  async readStream<E extends AnyEvent = AnyEvent>(
    stream: string,
    options: { fromVersion?: number; tx?: Sql } = {},
  ): Promise<RecordedEvent<E>[]> {
    const preloaded = this.preloaded.read(options.tx, stream, options.fromVersion);
    if (preloaded) return preloaded as RecordedEvent<E>[];
    const { rows } = await (options.tx ?? this.db).query<EventRow>(READ_STREAM, [stream, options.fromVersion ?? 1]);
    return rows.map((row) => this.toRecorded(row) as RecordedEvent<E>);
  }

  async preload(streams: readonly string[], tx: Sql): Promise<void> {
    if (!isAppliedOnce(tx) || streams.length === 0) return;
    const unique = [...new Set(streams)];
    const { rows } = await tx.query<EventRow>(READ_STREAMS, [unique]);
    this.preloaded.keep(
      tx,
      unique,
      rows.map((row) => this.toRecorded(row)),
    );
  }

  readAll(
    after: LogCheckpoint,
    limit: number,
    options: { types?: readonly string[]; tx?: Sql } = {},
  ): Promise<{ events: (RecordedEvent & { transactionId: string })[]; checkpoint: LogCheckpoint }> {
    return readAllAfter(options.tx ?? this.db, (row) => this.toRecorded(row), after, limit, options.types);
  }

  decide<S, E extends AnyEvent>(
    stream: string,
    decider: Decider<S, E>,
    decision: (state: S) => E | E[],
    meta: CommandMeta,
    options: { tx?: Sql } = {},
  ) {
    return decideWithRetry(this.decidePorts, stream, decider, decision, meta, options.tx);
  }

  async aggregate<S, E extends AnyEvent>(
    stream: string,
    decider: Decider<S, E>,
    options: { tx?: Sql } = {},
  ): Promise<{ state: S; version: number }> {
    return fold(decider, await this.readStream(stream, options));
  }

  private readonly decidePorts = {
    readForDecision: async (stream: string, commandId: string, tx?: Sql): Promise<DecisionRead> => {
      const preloaded = this.preloaded.read(tx, stream);
      if (preloaded) return { events: preloaded };
      const { rows } = await (tx ?? this.db).query<EventRow & { dup_stream: string | null; dup_first: number; dup_last: number }>(
        DECISION_READ,
        [stream, commandId],
      );
      const first = rows[0];
      if (first?.dup_stream) return { duplicate: { stream: first.dup_stream, firstVersion: first.dup_first, lastVersion: first.dup_last } };
      return { events: rows.filter((r) => r.version !== null).map((r) => this.toRecorded({ ...r, stream })) };
    },
    readStream: (stream: string, options: { tx?: Sql }) => this.readStream(stream, options),
    append: (stream: string, events: AnyEvent[], options: { expectedVersion: ExpectedVersion; meta: CommandMeta; tx?: Sql }) =>
      this.append(stream, events, options),
  };

  /**
   * Runs one append attempt in the caller's transaction, or alone: one statement is atomic, a transaction of its own is
   * only needed to run projections with it. A projection that fails in the caller's transaction fails that transaction.
   */
  private async inTransactionOf(tx: Sql | undefined, withProjections: boolean, attempt: (sql: Sql) => Promise<Attempt>): Promise<Attempt> {
    if (tx) return attempt(tx);
    return withProjections ? this.db.transaction(attempt) : attempt(this.db);
  }

  /** Hands appended events to `onCommitted` once the caller's transaction commits, or now for an append of its own. */
  private reportCommitted(tx: Sql | undefined, events: readonly RecordedEvent[]): void {
    const report = this.options.onCommitted;
    if (!report || events.length === 0) return;
    onceCommitted(tx, () => report(events));
  }

  private async appendNothing(stream: string, expectedVersion: ExpectedVersion, commandId: string, tx?: Sql): Promise<AppendResult> {
    const { currentVersion: version, duplicate } = await emptyAppendCheck(tx ?? this.db, stream, commandId);
    if (duplicate) return this.duplicateResult(duplicate, tx);
    checkExpected(stream, expectedVersion, version);
    return { nextExpectedVersion: version, duplicate: false, events: [] };
  }

  private async duplicateResult(result: CommandResult, tx?: Sql): Promise<AppendResult> {
    const events = (await this.readStream(result.stream, { fromVersion: result.firstVersion, tx })).filter(
      (e) => e.version <= result.lastVersion,
    );
    return { nextExpectedVersion: result.lastVersion, duplicate: true, events };
  }

  private toRecorded(row: EventRow): RecordedEvent {
    const { data, schemaVersion } = this.upcasters.upcast(row.type, row.schema_version, row.data);
    return {
      type: row.type,
      data,
      stream: row.stream,
      version: row.version,
      globalPosition: row.global_position,
      metadata: schemaVersion === row.metadata.schemaVersion ? row.metadata : { ...row.metadata, schemaVersion },
    };
  }
}
