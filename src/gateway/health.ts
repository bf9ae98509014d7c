import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

/** How long readiness waits for Redis to answer a PING. */
const REDIS_CHECK_TIMEOUT_MS = 1_000;

const answersPing = async (redis: Redis): Promise<boolean> => {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), REDIS_CHECK_TIMEOUT_MS)));
  try {
    return await Promise.race([redis.ping().then((reply) => reply === 'PONG'), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
};

/**
 * The gateway's own probes, at the paths the services use, answered by the gateway itself (never forwarded), in plain
 * JSON and never cached: live while the process runs; ready while Redis answers, when the rate limits are counted
 * there (REDIS_URL), since without it every instance would count on its own. The services' state is not part of it:
 * each service's routes answer 503 on their own while it is down, and the others go on.
 */
export const serveHealth = (fastify: FastifyInstance, redis: Redis | null): void => {
  fastify.get('/health/live', (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  fastify.get('/health/ready', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    if (!redis || (await answersPing(redis))) return { status: 'ok' };
    return reply.status(503).send({ status: 'unavailable', checks: { redis: 'down' } });
  });
};
