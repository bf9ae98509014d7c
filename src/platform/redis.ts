import { Redis } from 'ioredis';
import type { AppLogger } from './observability/logger';

/** DI token of this process's Redis connection: a `Redis`, or null without REDIS_URL. */
export const REDIS = 'orderly:redis';

/** How long one command may take before its caller falls back (rate limits: to counting in process). */
const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 5000;

/**
 * Connects to Redis without ever making it a dependency a request waits for: while it is unreachable, commands fail
 * at once (no offline queue) or after COMMAND_TIMEOUT_MS, callers fall back, and the client keeps reconnecting in the
 * background. Losing and regaining it is logged once each, not on every retry.
 */
export const connectRedis = (url: string, logger: AppLogger): Redis => {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
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
