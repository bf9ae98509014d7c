import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { available, BACKEND_URLS } from '../../test/support/backends';
import { freePort } from '../../test/support/processes';
import { AppLogger } from './observability/logger';
import { closeRedis, connectRedis } from './redis';

const logger = AppLogger.create('silent');
const opened: Redis[] = [];
afterEach(async () => {
  for (const redis of opened.splice(0)) await closeRedis(redis);
});

describe('connectRedis (int)', () => {
  it.skipIf(!available('redis') && process.env.CI !== 'true')('is ready when it returns, if Redis is up', async () => {
    const redis = await connectRedis(BACKEND_URLS.redis, 500, logger);
    opened.push(redis);
    expect(redis.status).toBe('ready');
  });

  it('returns as soon as the first attempt fails, and keeps trying in the background', async () => {
    const redis = await connectRedis(`redis://127.0.0.1:${await freePort()}`, 500, logger);
    opened.push(redis);
    expect(['connecting', 'reconnecting']).toContain(redis.status);
    await expect(redis.get('anything')).rejects.toThrow();
  });
});
