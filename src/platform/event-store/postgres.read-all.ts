import type { Sql } from '../persistence/database';
import type { LogCheckpoint, RecordedEvent } from './event-store';
import { compareCheckpoints, typedScanWindow } from './event-recording';
import { type EventRow, READ_ALL, READ_ALL_OF_TYPES } from './postgres.event-store.sql';

/** `EventStore.readAll` on PostgreSQL: the committed events after `after`, in commit order, and how far it looked. */
export const readAllAfter = async (
  sql: Sql,
  toRecorded: (row: EventRow) => RecordedEvent,
  after: LogCheckpoint,
  limit: number,
  types?: readonly string[],
): Promise<{ events: (RecordedEvent & { transactionId: string })[]; checkpoint: LogCheckpoint }> => {
  const { rows } = types
    ? await sql.query<EventRow & { tail: boolean }>(READ_ALL_OF_TYPES, [
        after.transactionId,
        after.position,
        limit,
        types,
        typedScanWindow(limit),
      ])
    : await sql.query<EventRow & { tail: boolean }>(READ_ALL, [after.transactionId, after.position, limit]);
  let checkpoint = after;
  const events: (RecordedEvent & { transactionId: string })[] = [];
  for (const row of rows) {
    const position = { transactionId: row.transaction_id!, position: row.global_position };
    // with types, the tail row is the last event looked at: every event up to it has been scanned
    if (compareCheckpoints(position, checkpoint) > 0) checkpoint = position;
    if (!row.tail) events.push({ ...toRecorded(row), transactionId: row.transaction_id! });
  }
  return { events, checkpoint };
};
