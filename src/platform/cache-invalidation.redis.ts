import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { newId } from '../shared-kernel/ids';
import { CacheInvalidations } from './cache-invalidation';
import type { AppLogger } from './observability/logger';
import { closeRedis } from './redis';

/** How long opening waits for the subscriber's first connection (as long as the app's own connection may take). */
const FIRST_CONNECTION_WAIT_MS = 2000;

/**
 * The Redis channel of an invalidation channel. Pub/sub ignores Redis's numbered databases and key prefixes, so the
 * namespace (BUS_NAMESPACE) keeps apps that share a server from invalidating each other.
 */
export const invalidationChannel = (namespace: string, channel: string): string => `${namespace}.cache-invalidation.${channel}`;

/**
 * Cache invalidations over Redis pub/sub: published on the app's connection, heard on a connection of their own (a
 * subscribed connection takes no other command). Each message names the instance that sent it, which ignores it.
 * Subscribing is done here rather than by the client's automatic resubscription, which restores only subscriptions
 * confirmed before the loss and says nothing when they are back: after every (re)connection the subscriber subscribes
 * to its channels and then calls their listeners, because whatever was published meanwhile is lost. While Redis is
 * down publishing is skipped (the caller never waits) and nothing is heard: listeners' time-to-live bounds the rest.
 */
export class RedisCacheInvalidations extends CacheInvalidations {
  private readonly instanceId = newId();
  private readonly subscriber: Redis;
  /** By Redis channel. */
  private readonly listeners = new Map<string, Set<() => void>>();
  private reachable = true;

  /**
   * Opens the subscriber connection beside the app's `publisher` and, when Redis is up, waits (boundedly) until it is
   * connected, so that the channels subscribed while the app starts are heard from the first request on.
   */
  static async open(publisher: Redis, options: { namespace: string; logger: AppLogger }): Promise<RedisCacheInvalidations> {
    const invalidations = new RedisCacheInvalidations(publisher, options);
    if (publisher.status !== 'ready') return invalidations;
    const wait = new AbortController();
    await Promise.race([
      once(invalidations.subscriber, 'ready', { signal: wait.signal }),
      once(invalidations.subscriber, 'error', { signal: wait.signal }),
      sleep(FIRST_CONNECTION_WAIT_MS, undefined, { signal: wait.signal }),
    ]).catch(() => undefined);
    wait.abort();
    return invalidations;
  }

  private constructor(
    private readonly publisher: Redis,
    private readonly options: { namespace: string; logger: AppLogger },
  ) {
    super();
    // the same server, timeouts and reconnection policy as the app's connection
    this.subscriber = publisher.duplicate({ autoResubscribe: false });
    this.subscriber.on('message', (channel: string, message: string) => this.deliver(channel, message));
    this.subscriber.on('ready', () => void this.resubscribe());
    this.subscriber.on('error', (error: Error) => {
      if (this.reachable)
        options.logger.warn("Redis is not reachable: other instances' cache invalidations are missed until it is", { err: error });
      this.reachable = false;
    });
  }

  publish(channel: string): void {
    if (this.publisher.status !== 'ready') return;
    const announcement = JSON.stringify({ origin: this.instanceId });
    this.publisher
      .publish(invalidationChannel(this.options.namespace, channel), announcement)
      .catch((error: unknown) => this.options.logger.debug('cache invalidation not published', { err: error, channel }));
  }

  subscribe(channel: string, listener: () => void): () => void {
    const name = invalidationChannel(this.options.namespace, channel);
    let listeners = this.listeners.get(name);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(name, listeners);
      // when not connected (or if this fails), the next connection subscribes
      if (this.subscriber.status === 'ready') this.subscriber.subscribe(name).catch(() => undefined);
    }
    listeners.add(listener);
    return () => {
      if (!listeners.delete(listener) || listeners.size > 0 || this.listeners.get(name) !== listeners) return;
      this.listeners.delete(name);
      if (this.subscriber.status === 'ready') this.subscriber.unsubscribe(name).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await closeRedis(this.subscriber);
  }

  private async resubscribe(): Promise<void> {
    if (!this.reachable) this.options.logger.info("Redis is reachable again: other instances' cache invalidations are heard");
    this.reachable = true;
    const channels = [...this.listeners.keys()];
    if (channels.length === 0) return;
    try {
      await this.subscriber.subscribe(...channels);
    } catch {
      return; // lost again: the next connection subscribes
    }
    for (const channel of channels) this.notify(channel);
  }

  /** A message that cannot be read counts as another instance's: forgetting is always safe. */
  private deliver(channel: string, message: string): void {
    if (originOf(message) === this.instanceId) return;
    this.notify(channel);
  }

  private notify(channel: string): void {
    for (const listener of [...(this.listeners.get(channel) ?? [])]) {
      try {
        listener();
      } catch (error) {
        this.options.logger.error('cache invalidation listener failed', { err: error, channel });
      }
    }
  }
}

const originOf = (message: string): unknown => {
  try {
    return (JSON.parse(message) as { origin?: unknown } | null)?.origin;
  } catch {
    return undefined;
  }
};
