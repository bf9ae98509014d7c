import type { Sql } from '../persistence/database';
import type { CommandResult } from './event-recording';
import { CURRENT_VERSION, EMPTY_APPEND_CHECK, FIND_COMMAND } from './postgres.event-store.sql';

/* What the store reads about streams and the commands recorded in `es.command_results`, one statement each. */

/** The first result of a command appended before, if it was. */
export const findCommand = async (sql: Sql, commandId: string): Promise<CommandResult | undefined> => {
  const { rows } = await sql.query<{ stream: string; first_version: number; last_version: number }>(FIND_COMMAND, [commandId]);
  return rows[0] && { stream: rows[0].stream, firstVersion: rows[0].first_version, lastVersion: rows[0].last_version };
};

export const currentVersion = async (sql: Sql, stream: string): Promise<number> =>
  (await sql.query<{ v: number }>(CURRENT_VERSION, [stream])).rows[0].v;

/** What an append of no events needs: the stream's version, and the command's first result if it was appended before. */
export const emptyAppendCheck = async (
  sql: Sql,
  stream: string,
  commandId: string,
): Promise<{ currentVersion: number; duplicate?: CommandResult }> => {
  const { rows } = await sql.query<{ current_version: number; dup_stream: string | null; dup_first: number; dup_last: number }>(
    EMPTY_APPEND_CHECK,
    [stream, commandId],
  );
  const row = rows[0];
  return row.dup_stream === null
    ? { currentVersion: row.current_version }
    : {
        currentVersion: row.current_version,
        duplicate: { stream: row.dup_stream, firstVersion: row.dup_first, lastVersion: row.dup_last },
      };
};
