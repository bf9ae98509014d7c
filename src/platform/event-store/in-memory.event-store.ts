import { newId } from '../../shared-kernel/ids';
import type { Sql } from '../persistence/database';
import {
  EventStore,
  WrongExpectedVersion,
  type AnyEvent,
  type AppendResult,
  type CommandMeta,
  type Decider,
  type EventMetadata,
  type ExpectedVersion,
  type InlineProjection,
  type LogCheckpoint,
  type RecordedEvent,
  type StreamAppend,
  type Upcaster,
} from './event-store';
import {
  Upcasters,
  checkExpected,
  compareCheckpoints,
  decideWithRetry,
  eventMetadata,
  fold,
  typedScanWindow,
  type CommandResult,
  type DecisionRead,
} from './event-recording';

type Stored = {
  stream: string;
  version: number;
  globalPosition: string;
  transactionId: string;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
};

/** What the JSON column keeps of a value (jsonb drops undefined, turns dates into strings). */
const asStored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const noDatabase: Sql = {
  query: () => Promise.reject(new Error('InMemoryEventStore has no database: pass `sql` to run inline projections that query')),
};

/**
 * The event store in memory, for tests of handlers: the same versions, expected-version errors, command idempotency,
 * upcasting and global order as PostgresEventStore. Every append is its own committed transaction.
 */
export class InMemoryEventStore extends EventStore {
  private readonly upcasters = new Upcasters();
  private readonly projections: { projection: InlineProjection; handles: Set<string> }[] = [];
  private readonly log: Stored[] = [];
  private readonly streams = new Map<string, Stored[]>();
  private readonly commands = new Map<string, CommandResult>();
  private position = 0;
  private transaction = 0;
  /** appends run one at a time, like transactions taking the same versions */
  private queue: Promise<unknown> = Promise.resolve();

  /** `sql`: where inline projections run when the append is given no `tx`. */
  constructor(private readonly options: { sql?: Sql } = {}) {
    super();
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

  append(
    stream: string,
    events: AnyEvent[],
    options: { expectedVersion: ExpectedVersion; meta: CommandMeta; schemaVersions?: Record<string, number>; tx?: Sql },
  ): Promise<AppendResult> {
    const run = this.queue.then(() => this.appendNow(stream, events, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Each part through `append`, once every stream was found at its expected version; no command is recorded. */
  appendStreams(appends: readonly StreamAppend[], tx: Sql): Promise<RecordedEvent[][]> {
    const run = this.queue.then(async () => {
      const checked = new Set<string>();
      // each stream where its first part expects it (the parts after it follow it)
      for (const { stream, expectedVersion } of appends) {
        if (checked.has(stream)) continue;
        checked.add(stream);
        const actual = this.streams.get(stream)?.length ?? 0;
        if (actual !== expectedVersion) throw new WrongExpectedVersion(stream, expectedVersion || 'no_stream', actual);
      }
      const recorded: RecordedEvent[][] = [];
      for (const { stream, expectedVersion, events, meta } of appends) {
        if (events.length === 0) recorded.push([]);
        else {
          const options = { expectedVersion: expectedVersion || ('no_stream' as const), meta: { ...meta, commandId: newId() }, tx };
          recorded.push((await this.appendNow(stream, events, options)).events);
        }
      }
      return recorded;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async readStream<E extends AnyEvent = AnyEvent>(
    stream: string,
    options: { fromVersion?: number; tx?: Sql } = {},
  ): Promise<RecordedEvent<E>[]> {
    const from = options.fromVersion ?? 1;
    return (this.streams.get(stream) ?? []).filter((e) => e.version >= from).map((e) => this.toRecorded(e) as RecordedEvent<E>);
  }

  /** Reads cost nothing here. */
  async preload(): Promise<void> {}

  async readAll(
    after: LogCheckpoint,
    limit: number,
    options: { types?: readonly string[]; tx?: Sql } = {},
  ): Promise<{ events: (RecordedEvent & { transactionId: string })[]; checkpoint: LogCheckpoint }> {
    const types = options.types && new Set(options.types);
    const first = this.firstAfter(after);
    const scanned = this.log.slice(first, types ? first + typedScanWindow(limit) : first + limit);
    const matched = (types ? scanned.filter((e) => types.has(e.type)) : scanned).slice(0, limit);
    let checkpoint = matched.length > 0 ? this.checkpointOf(matched[matched.length - 1]) : after;
    // like PostgreSQL: when fewer than `limit` match, the checkpoint covers every event looked at
    if (types && matched.length < limit && scanned.length > 0) checkpoint = this.checkpointOf(scanned[scanned.length - 1]);
    return { events: matched.map((e) => ({ ...this.toRecorded(e), transactionId: e.transactionId })), checkpoint };
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

  async aggregate<S, E extends AnyEvent>(stream: string, decider: Decider<S, E>): Promise<{ state: S; version: number }> {
    return fold(decider, await this.readStream(stream));
  }

  private readonly decidePorts = {
    readForDecision: async (stream: string, commandId: string): Promise<DecisionRead> => {
      const duplicate = this.commands.get(commandId);
      return duplicate ? { duplicate } : { events: await this.readStream(stream) };
    },
    readStream: (stream: string) => this.readStream(stream),
    append: (stream: string, events: AnyEvent[], options: { expectedVersion: ExpectedVersion; meta: CommandMeta; tx?: Sql }) =>
      this.append(stream, events, options),
  };

  private async appendNow(
    stream: string,
    events: AnyEvent[],
    options: { expectedVersion: ExpectedVersion; meta: CommandMeta; schemaVersions?: Record<string, number>; tx?: Sql },
  ): Promise<AppendResult> {
    const { meta, expectedVersion } = options;
    const duplicate = this.commands.get(meta.commandId);
    if (duplicate) {
      const stored = (await this.readStream(duplicate.stream, { fromVersion: duplicate.firstVersion })).filter(
        (e) => e.version <= duplicate.lastVersion,
      );
      return { nextExpectedVersion: duplicate.lastVersion, duplicate: true, events: stored };
    }
    const current = this.streams.get(stream)?.length ?? 0;
    checkExpected(stream, expectedVersion, current);
    if (events.length === 0) return { nextExpectedVersion: current, duplicate: false, events: [] };

    const transactionId = String(++this.transaction);
    const stored: Stored[] = events.map((e, i) => {
      const schemaVersion = options.schemaVersions?.[e.type] ?? this.upcasters.currentVersion(e.type);
      return {
        stream,
        version: current + i + 1,
        globalPosition: String(++this.position),
        transactionId,
        type: e.type,
        schemaVersion,
        data: asStored(e.data) as Record<string, unknown>,
        metadata: asStored(eventMetadata(meta, schemaVersion)),
      };
    });
    const recorded: RecordedEvent[] = stored.map((s, i) => ({
      type: s.type,
      data: events[i].data,
      stream,
      version: s.version,
      globalPosition: s.globalPosition,
      metadata: s.metadata,
    }));
    // a projection that throws leaves nothing appended, as the rolled-back transaction would
    for (const { projection, handles } of this.projections) {
      const handled = recorded.filter((e) => handles.has(e.type));
      if (handled.length > 0) await projection.apply(options.tx ?? this.options.sql ?? noDatabase, handled);
    }
    this.log.push(...stored);
    const streamEvents = this.streams.get(stream) ?? [];
    streamEvents.push(...stored);
    this.streams.set(stream, streamEvents);
    this.commands.set(meta.commandId, { stream, firstVersion: current + 1, lastVersion: current + events.length });
    return { nextExpectedVersion: current + events.length, duplicate: false, events: recorded };
  }

  /** The log is in (transaction, position) order: binary search for the first event after the checkpoint. */
  private firstAfter(after: LogCheckpoint): number {
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareCheckpoints(this.checkpointOf(this.log[mid]), after) > 0) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private checkpointOf(e: Stored): LogCheckpoint {
    return { transactionId: e.transactionId, position: e.globalPosition };
  }

  private toRecorded(e: Stored): RecordedEvent {
    const { data, schemaVersion } = this.upcasters.upcast(e.type, e.schemaVersion, structuredClone(e.data));
    return {
      type: e.type,
      data,
      stream: e.stream,
      version: e.version,
      globalPosition: e.globalPosition,
      metadata: { ...e.metadata, schemaVersion },
    };
  }
}
