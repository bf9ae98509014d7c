import type { OnApplicationShutdown } from '@nestjs/common';
import type { QueryResultRow } from 'pg';
import type { Database, Sql } from './database';
import { isConnectionError } from './pg.database';
import { ReadDatabase } from './read-database';
import { BEYOND_EVERY_POSITION, walPosition, type WritePositions } from './write-positions';

/** After the replica failed to answer, reads go straight to the primary this long before the replica is tried again. */
export const REPLICA_RETRY_AFTER_MS = 5_000;
/**
 * A replica's replay position read this recently is reused instead of asked again. It only grows, so an old one can
 * only send a read to the primary that the replica could have served, never the other way round.
 */
export const REPLAY_POSITION_MAX_AGE_MS = 10;

/**
 * Errors of a statement the replica cannot run but the primary can: a conflict with recovery (the replica cancels a
 * query whose rows replay must remove: 40001, 40P01), or a table, column, function or schema a migration added and
 * the replica has not replayed yet.
 */
const RUNS_ON_THE_PRIMARY = new Set(['40001', '40P01', '42P01', '42703', '42883', '3F000']);

const unreachable = (error: unknown): boolean =>
  isConnectionError(error) || (error instanceof Error && isConnectionError((error as { cause?: unknown }).cause));

const sqlState = (error: unknown): unknown => (error as { code?: unknown } | undefined)?.code;

export type ReplicaReadDatabaseOptions = {
  /** the primary, where commands run */
  primary: Database;
  /** one streaming replica of it (not several behind a balancer: its replay position must hold for every connection) */
  replica: Database;
  positions: WritePositions;
  /** Told when the replica stops answering and when it answers again (not on every failed read). */
  onReplicaState?: (state: 'unreachable' | 'reachable', error?: unknown) => void;
  now?: () => number;
};

/**
 * `ReadDatabase` over a streaming replica (see the port for read-your-writes). The replica is never a dependency a
 * read waits for: a read it cannot answer (unreachable within its pool's short connect timeout, or a statement it
 * cannot run yet) runs on the primary, and after a failure to connect reads go to the primary for
 * REPLICA_RETRY_AFTER_MS before the replica is tried again.
 *
 * The position remembered after a write is the primary's WAL insert position read once the command has committed: the
 * commit record lies before it. (`pg_current_wal_lsn()`, the position written out, would do with synchronous commit,
 * but with `synchronous_commit = off` a commit returns before its record is written.) A replica whose
 * `pg_last_wal_replay_lsn()` has reached that position has replayed the commit, and its new snapshots show it.
 */
export class ReplicaReadDatabase extends ReadDatabase implements OnApplicationShutdown {
  private readonly primary: Database;
  private readonly replica: Database;
  private readonly now: () => number;
  private restingUntil = 0;
  private down = false;
  private replayed?: { position: bigint; readAt: number };
  private replayRead?: Promise<bigint | undefined>;

  /** The replica first, the primary when the replica cannot answer. */
  private readonly replicaFirst: Sql = {
    query: <R extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]) => this.queryReplicaFirst<R>(text, params),
  };

  constructor(private readonly options: ReplicaReadDatabaseOptions) {
    super();
    this.primary = options.primary;
    this.replica = options.replica;
    this.now = options.now ?? Date.now;
  }

  forAnyone(): Sql {
    return this.replicaFirst;
  }

  async forUser(userId: string): Promise<Sql> {
    const written = await this.options.positions.recall(userId);
    if (written === undefined) return this.replicaFirst;
    return (await this.hasReplayed(written)) ? this.replicaFirst : this.primary;
  }

  async noteWriteBy(userId: string): Promise<void> {
    let position = BEYOND_EVERY_POSITION;
    try {
      const { rows } = await this.primary.query<{ position: string }>('select pg_current_wal_insert_lsn()::text as position', []);
      position = walPosition(rows[0].position);
    } catch {
      // the primary did not say where its log is: this user's reads go to the primary until the position expires
    }
    await this.options.positions.remember(userId, position);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.replica.close();
  }

  private async queryReplicaFirst<R extends QueryResultRow>(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }> {
    if (this.resting()) return this.primary.query<R>(text, params);
    try {
      const result = await this.replica.query<R>(text, params);
      this.answered();
      return result;
    } catch (error) {
      if (unreachable(error)) this.failed(error);
      else if (!RUNS_ON_THE_PRIMARY.has(sqlState(error) as string)) throw error;
      return this.primary.query<R>(text, params);
    }
  }

  /** Whether the replica has replayed the log up to `position` (asked at most once per REPLAY_POSITION_MAX_AGE_MS). */
  private async hasReplayed(position: bigint): Promise<boolean> {
    const known = this.replayed;
    if (known && known.position >= position) return true;
    if ((known && this.now() - known.readAt < REPLAY_POSITION_MAX_AGE_MS) || this.resting()) return false;
    this.replayRead ??= this.readReplayPosition().finally(() => {
      this.replayRead = undefined;
    });
    const replayed = await this.replayRead;
    return replayed !== undefined && replayed >= position;
  }

  private async readReplayPosition(): Promise<bigint | undefined> {
    const readAt = this.now();
    try {
      const { rows } = await this.replica.query<{ position: string | null }>('select pg_last_wal_replay_lsn()::text as position', []);
      this.answered();
      // null: the server is no replica, and nothing says how far it has come (its readers go to the primary)
      const text = rows[0]?.position;
      this.replayed = { position: text ? walPosition(text) : 0n, readAt };
      return this.replayed.position;
    } catch (error) {
      if (unreachable(error)) this.failed(error);
      return undefined;
    }
  }

  private resting(): boolean {
    return this.now() < this.restingUntil;
  }

  private failed(error: unknown): void {
    this.restingUntil = this.now() + REPLICA_RETRY_AFTER_MS;
    if (this.down) return;
    this.down = true;
    this.options.onReplicaState?.('unreachable', error);
  }

  private answered(): void {
    if (!this.down) return;
    this.down = false;
    this.options.onReplicaState?.('reachable');
  }
}
