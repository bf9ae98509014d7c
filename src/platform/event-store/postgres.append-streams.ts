import { afterCommit, appendsNoEvents, isAppliedOnce, type Sql } from '../persistence/database';
import { type AnyEvent, type InlineProjection, type RecordedEvent, type StreamAppend, WrongExpectedVersion } from './event-store';
import { eventMetadata } from './event-recording';
import { APPEND_STREAMS, NOTIFY, REMOVE_PARTIAL_APPEND } from './postgres.event-store.sql';
import type { PreloadedStreams } from './preloaded-streams';

export type AppendStreamsDeps = {
  schemaVersionOf: (type: string) => number;
  projections: readonly { projection: InlineProjection; handles: ReadonlySet<string> }[];
  preloaded: PreloadedStreams;
  notifyCommitted: () => void;
  /** Reports the appended events once `tx` has committed (metrics). */
  reportCommitted: (tx: Sql, events: readonly RecordedEvent[]) => void;
};

type Row = { ord: number; stream: string; version: number; id: string; type: string; schemaVersion: number } & Pick<
  RecordedEvent,
  'data' | 'metadata'
>;

/** The statement's rows for `appends`, and the events as they will be recorded (positions still to come). */
const planned = (deps: AppendStreamsDeps, appends: readonly StreamAppend[]) => {
  const expected = new Map<string, number>();
  const next = new Map<string, number>();
  const rows: Row[] = [];
  const parts = appends.map(({ stream, expectedVersion, events, meta }) => {
    const at = next.get(stream);
    if (at === undefined) expected.set(stream, expectedVersion);
    else if (at !== expectedVersion)
      throw new Error(`the parts appended to ${stream} do not follow each other (${at}, then ${expectedVersion})`);
    return events.map((event: AnyEvent, i): RecordedEvent => {
      const schemaVersion = deps.schemaVersionOf(event.type);
      const metadata = eventMetadata(meta, schemaVersion);
      const version = expectedVersion + i + 1;
      next.set(stream, version);
      rows.push({ ord: rows.length, stream, version, id: metadata.eventId, type: event.type, schemaVersion, data: event.data, metadata });
      return { type: event.type, data: event.data, stream, version, globalPosition: '', metadata };
    });
  });
  return { expected, rows, parts };
};

/** `EventStore.appendStreams` on PostgreSQL: one statement for every stream, then each inline projection once. */
export const appendStreams = async (deps: AppendStreamsDeps, appends: readonly StreamAppend[], tx: Sql): Promise<RecordedEvent[][]> => {
  if (!isAppliedOnce(tx)) throw new Error('appendStreams records no command: only in a transaction that applies its messages once');
  if (appendsNoEvents(tx)) throw new Error('appendStreams in a transaction that promised to append no events');
  const { expected, rows, parts } = planned(deps, appends);
  if (rows.length === 0) return parts;

  const { rows: result } = await tx.query<{ conflicts: { stream: string; actual: number }[]; positions: string[] }>(APPEND_STREAMS, [
    JSON.stringify([...expected].map(([stream, version]) => ({ stream, expected: version }))),
    JSON.stringify(rows),
  ]);
  const { conflicts, positions } = result[0];
  if (conflicts.length > 0 || positions.length < rows.length) {
    // a concurrent append took some of the versions: undo what this one inserted
    if (positions.length > 0) await tx.query(REMOVE_PARTIAL_APPEND, [rows.map((row) => row.id), null]);
    for (const stream of expected.keys()) deps.preloaded.forget(tx, stream);
    const stream = conflicts[0]?.stream ?? rows[0].stream;
    const version = expected.get(stream)!;
    throw new WrongExpectedVersion(stream, version === 0 ? 'no_stream' : version, conflicts[0]?.actual ?? -1);
  }
  const recorded = parts.flat();
  recorded.forEach((event, i) => (event.globalPosition = positions[i]));
  if (!afterCommit(tx, deps.notifyCommitted)) await tx.query(NOTIFY);
  for (const { projection, handles } of deps.projections) {
    const handled = recorded.filter((event) => handles.has(event.type));
    if (handled.length > 0) await projection.apply(tx, handled);
  }
  appends.forEach(({ stream }, i) => deps.preloaded.appended(tx, stream, parts[i]));
  deps.reportCommitted(tx, recorded);
  return parts;
};
