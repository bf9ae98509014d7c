import type { AnyEvent, CommandMeta } from '../event-store/event-store';
import type { Sql } from '../persistence/database';

export type ScheduledMessage = {
  /** unique: scheduling the same key twice keeps the first */
  key: string;
  /** the event is appended to this stream when due, so consumers of the log receive it */
  stream: string;
  event: AnyEvent;
  dueAt: Date;
  meta: Pick<CommandMeta, 'correlationId' | 'causationId' | 'userId'>;
};

/** Business deadlines (timeouts, expiries) stored in PostgreSQL; never in-memory timers. */
export abstract class Scheduler {
  /** With `tx`, the messages are stored only if that transaction commits. A batch's messages cost one statement. */
  abstract schedule(messages: ScheduledMessage | readonly ScheduledMessage[], tx?: Sql): Promise<void>;
  /** Drops the messages of these keys not delivered yet. */
  abstract cancel(keys: string | readonly string[], tx?: Sql): Promise<void>;
  /** Delivers every message due at the clock's now; returns how many. Called by a poller and by tests. */
  abstract deliverDue(): Promise<number>;
}
