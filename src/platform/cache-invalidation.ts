import { EventEmitter } from 'node:events';
import { newId } from '../shared-kernel/ids';

/**
 * Tells the other instances of the app that something they may hold in memory has changed, and this instance of
 * their changes. Publish after the change has committed (a reader told of it must find it). Delivery is best effort:
 * a message is lost while the carrier is down, so a cache that listens still bounds its staleness by other means (a
 * time-to-live). A listener hears only other instances' messages (the publisher has invalidated its own memory
 * already), plus a call whenever messages may have been missed (the connection came back), so that it forgets
 * everything it holds then too.
 */
export abstract class CacheInvalidations {
  /** Announces a change on `channel` to the other instances. Never throws and never makes the caller wait. */
  abstract publish(channel: string): void;
  /** Calls `listener` (which must not throw) on every change another instance announces on `channel`; returns how to stop. */
  abstract subscribe(channel: string, listener: () => void): () => void;
  /** Stops listening and releases the connection, if any. */
  abstract close(): Promise<void>;
}

type Announcement = { origin: string };

/**
 * Without Redis: the instances sharing a `hub` (apps booted side by side in one process) hear each other. Given no
 * hub, an instance hears nobody, which suits the only instance of a process: it has invalidated its own memory.
 */
export class InProcessCacheInvalidations extends CacheInvalidations {
  private readonly instanceId = newId();
  private readonly stops = new Set<() => void>();

  constructor(private readonly hub = new EventEmitter().setMaxListeners(0)) {
    super();
  }

  publish(channel: string): void {
    this.hub.emit(channel, { origin: this.instanceId } satisfies Announcement);
  }

  subscribe(channel: string, listener: () => void): () => void {
    const deliver = ({ origin }: Announcement) => {
      if (origin !== this.instanceId) listener();
    };
    this.hub.on(channel, deliver);
    const stop = () => {
      this.hub.off(channel, deliver);
      this.stops.delete(stop);
    };
    this.stops.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    for (const stop of [...this.stops]) stop();
  }
}
