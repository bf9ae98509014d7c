import type { Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { AppLogger } from '../observability/logger';
import { REDIS } from '../redis';
import { Database } from './database';
import { PgDatabase } from './pg.database';
import { PrimaryReadDatabase, ReadDatabase } from './read-database';
import { ReplicaReadDatabase } from './replica.read-database';
import { InProcessWritePositions, RedisWritePositions } from './write-positions';

/** How long a read waits for a connection to the replica before it runs on the primary instead. */
export const REPLICA_CONNECT_TIMEOUT_MS = 1_000;

/**
 * The `ReadDatabase` for the platform module: the replica of DATABASE_READ_URL, with its own pool (DB_POOL_SIZE
 * connections, closed with the app) and the customers' write positions in Redis when there is one (every instance
 * sees them), else in this process; without DATABASE_READ_URL, the primary.
 */
export const readDatabaseProviders = (config: Config): Provider[] => [
  {
    provide: ReadDatabase,
    useFactory: (primary: Database, redis: Redis | null, logger: AppLogger): ReadDatabase => {
      if (!config.databaseReadUrl) return new PrimaryReadDatabase(primary);
      const log = logger.child({ component: 'read-replica' });
      const replica = new PgDatabase(config.databaseReadUrl, {
        max: config.dbPoolSize,
        applicationName: 'orderly-reads',
        connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS,
      });
      return new ReplicaReadDatabase({
        primary,
        replica,
        positions: redis ? new RedisWritePositions(redis, config.redisKeyPrefix) : new InProcessWritePositions(),
        onReplicaState: (state, error) =>
          state === 'unreachable'
            ? log.warn('the read replica does not answer: reads go to the primary until it does', { err: error })
            : log.info('the read replica answers again'),
      });
    },
    inject: [Database, REDIS, AppLogger],
  },
];
