import { Database, type Sql } from './database';

/**
 * Where queries that tolerate a little staleness read: a streaming replica of the primary when DATABASE_READ_URL names
 * one, else the primary itself. Commands, and every read that must see the latest state, use `Database`.
 *
 * Read-your-writes: a customer must see their own writes on their next read, however far the replica lags. A command
 * whose effects a staleness-tolerant read of that customer shows (placing or cancelling an order: the order history)
 * calls `noteWriteBy` once it has committed (routes say so with `@ReadYourWrites()`): the primary's log position is
 * then remembered for that user. `forUser` hands out the replica only once the replica has replayed the log up to
 * that position, else the primary. Reads without a recent write of theirs cost nothing more.
 */
export abstract class ReadDatabase {
  /** For reads any caller may see late (the public catalog, analytics): always the replica when there is one. */
  abstract forAnyone(): Sql;
  /** For `userId`'s own staleness-tolerant reads: the replica once it shows that user's latest write, else the primary. */
  abstract forUser(userId: string): Promise<Sql>;
  /** `userId`'s command has committed: their next reads through `forUser` must see it. Never throws. */
  abstract noteWriteBy(userId: string): Promise<void>;
}

/** Without a replica: every read goes to the primary, which always shows every write, so nothing is remembered. */
export class PrimaryReadDatabase extends ReadDatabase {
  constructor(private readonly primary: Database) {
    super();
  }

  forAnyone(): Sql {
    return this.primary;
  }

  async forUser(): Promise<Sql> {
    return this.primary;
  }

  async noteWriteBy(): Promise<void> {
    // the primary shows every committed write at once
  }
}
