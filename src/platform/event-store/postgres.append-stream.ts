import { afterCommit, isAppliedOnce, type Sql } from '../persistence/database';
import type { AnyEvent, CommandMeta, ExpectedVersion, InlineProjection, RecordedEvent } from './event-store';
import { eventMetadata, requiredVersion, type CommandResult } from './event-recording';
import {
  APPEND,
  APPEND_SKIPPING_CONFLICTS,
  APPEND_SKIPPING_CONFLICTS_QUIETLY,
  APPEND_UNRECORDED,
  REMOVE_PARTIAL_APPEND,
  type AppendRow,
} from './postgres.event-store.sql';

/* One append to one stream, as one statement (and the inline projections it feeds): what one attempt found. The
   store's `append` decides what to do with it (retry, look the command up, throw a version conflict). */

export type Attempt =
  | { kind: 'appended'; events: RecordedEvent[] }
  | { kind: 'duplicate'; result: CommandResult }
  | { kind: 'conflict'; actual: number }
  /** the command id is held by a transaction that committed meanwhile: look it up again */
  | { kind: 'retry' };

export type AppendStreamDeps = {
  schemaVersionOf: (type: string) => number;
  projections: readonly { projection: InlineProjection; handles: ReadonlySet<string> }[];
  notifyCommitted: () => void;
};

const isVersionConflict = (error: unknown) =>
  (error as { code?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'events_stream_version_key';

/**
 * The attempt to append `events` to `stream`, to run in the caller's transaction or alone (`withProjections`: in a
 * transaction of its own, since inline projections run with it).
 */
export const appendAttempt = (
  deps: AppendStreamDeps,
  stream: string,
  events: AnyEvent[],
  options: { expectedVersion: ExpectedVersion; meta: CommandMeta; schemaVersions?: Record<string, number>; tx?: Sql },
): { attempt: (sql: Sql) => Promise<Attempt>; withProjections: boolean } => {
  const { expectedVersion, meta, tx } = options;
  const docs = events.map((e) => {
    const schemaVersion = options.schemaVersions?.[e.type] ?? deps.schemaVersionOf(e.type);
    return { type: e.type, data: e.data, schemaVersion, metadata: eventMetadata(meta, schemaVersion) };
  });
  const params = [
    meta.commandId,
    stream,
    requiredVersion(expectedVersion),
    docs.length,
    JSON.stringify(docs.map((d) => ({ ...d, id: d.metadata.eventId }))),
  ];
  const toRecorded = (row: AppendRow): RecordedEvent[] =>
    docs.map((d, i) => ({
      type: d.type,
      data: d.data,
      stream,
      version: row.first_version! + i,
      globalPosition: row.positions[i],
      metadata: d.metadata,
    }));
  const projections = deps.projections.filter((p) => docs.some((d) => p.handles.has(d.type)));

  // in a transaction that reports its commit, notify after it: NOTIFY at commit would serialise the commits.
  // In a caller's transaction a version conflict inserts fewer rows rather than aborting it: no savepoint needed.
  const statement = !tx
    ? APPEND
    : !afterCommit(tx, deps.notifyCommitted)
      ? APPEND_SKIPPING_CONFLICTS
      : isAppliedOnce(tx)
        ? APPEND_UNRECORDED
        : APPEND_SKIPPING_CONFLICTS_QUIETLY;
  const attempt = async (sql: Sql): Promise<Attempt> => {
    let row: AppendRow;
    try {
      row = (await sql.query<AppendRow>(statement, params)).rows[0];
    } catch (error) {
      if (isVersionConflict(error)) return { kind: 'conflict', actual: -1 };
      throw error;
    }
    if (row.dup_stream !== null)
      return { kind: 'duplicate', result: { stream: row.dup_stream, firstVersion: row.dup_first!, lastVersion: row.dup_last! } };
    if (row.first_version === null) {
      const required = requiredVersion(expectedVersion);
      return required === null || required === row.current_version ? { kind: 'retry' } : { kind: 'conflict', actual: row.current_version };
    }
    if (row.positions.length < docs.length) {
      // only when skipping conflicts: another transaction took one of the versions; undo our part
      await sql.query(REMOVE_PARTIAL_APPEND, [docs.map((d) => d.metadata.eventId), meta.commandId]);
      return { kind: 'conflict', actual: -1 };
    }
    const recorded = toRecorded(row);
    for (const { projection, handles } of projections) {
      await projection.apply(
        sql,
        recorded.filter((e) => handles.has(e.type)),
      );
    }
    return { kind: 'appended', events: recorded };
  };

  return { attempt, withProjections: projections.length > 0 };
};
