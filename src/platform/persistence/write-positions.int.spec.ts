import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { available, BACKEND_URLS } from '../../../test/support/backends';
import { freePort } from '../../../test/support/processes';
import { newId } from '../../shared-kernel/ids';
import { AppLogger } from '../observability/logger';
import { closeRedis, connectRedis } from '../redis';
import { BEYOND_EVERY_POSITION, RedisWritePositions } from './write-positions';

const logger = AppLogger.create('silent');
const opened: Redis[] = [];
const connect = async (url: string) => {
  const redis = await connectRedis(url, 2000, logger);
  opened.push(redis);
  return redis;
};

afterAll(async () => {
  for (const redis of opened.splice(0)) await closeRedis(redis);
});

describe('RedisWritePositions (int)', () => {
  it.skipIf(!available('redis') && process.env.CI !== 'true')(
    'shares the highest position of a user between instances, for as long as its time to live',
    async () => {
      const prefix = `test-${newId()}:`;
      const first = new RedisWritePositions(await connect(BACKEND_URLS.redis), prefix, 60_000);
      const second = new RedisWritePositions(await connect(BACKEND_URLS.redis), prefix, 60_000);

      await first.remember('ada', (0x16n << 32n) + 0x10n);
      await second.remember('ada', 0xffffffffn);
      expect(await second.recall('ada')).toBe((0x16n << 32n) + 0x10n);
      expect(await first.recall('grace')).toBeUndefined();

      const shortLived = new RedisWritePositions(opened[0], prefix, 50);
      await shortLived.remember('linus', 7n);
      expect(await new RedisWritePositions(opened[1], prefix).recall('linus')).toBe(7n);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await new RedisWritePositions(opened[1], prefix).recall('linus')).toBeUndefined();
      await opened[0].del(`${prefix}write-position:ada`);
    },
  );

  it('cannot tell without Redis: a read for any user, one who wrote through this instance too, must go to the primary', async () => {
    const positions = new RedisWritePositions(await connect(`redis://127.0.0.1:${await freePort()}`), 'test:');
    await positions.remember('ada', 42n);
    expect(await positions.recall('grace')).toBe(BEYOND_EVERY_POSITION);
    expect(await positions.recall('ada')).toBe(BEYOND_EVERY_POSITION);
  });
});
