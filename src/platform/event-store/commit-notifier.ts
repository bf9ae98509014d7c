import type { Sql } from '../persistence/database';
import { NOTIFY } from './postgres.event-store.sql';

/**
 * Wakes the log consumers after appends committed, from a separate statement (a NOTIFY inside a committing
 * transaction would serialise every commit): at most one NOTIFY in flight, and one more after it when appends
 * committed meanwhile, so the last append is always announced.
 */
export class CommitNotifier {
  private notifying = false;
  private again = false;

  constructor(private readonly db: Sql) {}

  notify(): void {
    if (this.notifying) {
      this.again = true;
      return;
    }
    this.notifying = true;
    void (async () => {
      do {
        this.again = false;
        // a lost notification only delays consumers until their next poll
        await this.db.query(NOTIFY).catch(() => undefined);
      } while (this.again);
      this.notifying = false;
    })();
  }
}
