import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { AppLogger } from './observability/logger';

/** DI token of this process's Redis connection: a `Redis`, or null without REDIS_URL. */
export const REDIS = 'orderly:redis';

const CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 5000;

/**
 * Connects to Redis without ever making it a dependency a request waits for: while it is unreachable, commands fail
 * at once (no offline queue) or after `commandTimeoutMs`, callers fall back, and the client keeps reconnecting in the
 * background. Losing and regaining it is logged once each, not on every retry. Resolves once the first attempt to
 * connect has ended either way (at most CONNECT_TIMEOUT_MS), so the first requests after boot use Redis when it is up
 * instead of falling back while the connection is still being made.
 */
export const connectRedis = async (url: string, commandTimeoutMs: number, logger: AppLogger): Promise<Redis> => {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
  });
  let reachable = true;
  redis.on('ready', () => {
    if (!reachable) logger.info('Redis is reachable again');
    reachable = true;
  });
  redis.on('error', (error: Error) => {
    if (reachable) logger.warn('Redis is not reachable: falling back until it is', { err: error });
    reachable = false;
  });
  const firstAttempt = new AbortController();
  await Promise.race([
    once(redis, 'ready', { signal: firstAttempt.signal }),
    once(redis, 'error', { signal: firstAttempt.signal }),
    sleep(CONNECT_TIMEOUT_MS, undefined, { signal: firstAttempt.signal }),
  ]).catch(() => undefined);
  firstAttempt.abort();
  return redis;
};

/** Closes the connection: politely when it is up, at once when it is not (no reconnecting after this). */
export const closeRedis = async (redis: Redis): Promise<void> => {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through: drop the connection
    }
  }
  redis.disconnect();
};
