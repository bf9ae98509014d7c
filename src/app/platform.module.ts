import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { LogConsumers } from '../platform/consumers/log-consumer';
import { PgLogConsumers } from '../platform/consumers/pg.log-consumers';
import { Config, DEFAULT_BUS_NAMESPACE } from '../platform/config';
import { EventStore } from '../platform/event-store/event-store';
import { PostgresEventStore } from '../platform/event-store/postgres.event-store';
import { HttpApiModule, HttpApiPorts } from '../platform/http/http-api.module';
import { IdempotencyKeys } from '../platform/http/idempotency-keys';
import type { BusObserver } from '../platform/messaging/delivery-policy';
import { InProcessMessageBus } from '../platform/messaging/in-process.message-bus';
import { Inbox, IntegrationEvents, MessageBus } from '../platform/messaging/message-bus';
import { NatsMessageBus } from '../platform/messaging/nats.message-bus';
import { OutboxPublisher } from '../platform/messaging/outbox-publisher';
import { PgInbox } from '../platform/messaging/pg.inbox';
import { RabbitMqMessageBus } from '../platform/messaging/rabbitmq.message-bus';
import { HealthController } from '../platform/http/health.controller';
import { Readiness } from '../platform/observability/health';
import { readinessProviders } from '../platform/observability/health.providers';
import { AppLogger } from '../platform/observability/logger';
import { Metrics } from '../platform/observability/metrics';
import { metricsProviders } from '../platform/observability/metrics.providers';
import { MetricsServer } from '../platform/observability/metrics.server';
import { Database } from '../platform/persistence/database';
import { PgDatabase } from '../platform/persistence/pg.database';
import { ReadDatabase } from '../platform/persistence/read-database';
import { readDatabaseProviders } from '../platform/persistence/read-database.providers';
import { ReadYourWritesInterceptor } from '../platform/http/read-your-writes.interceptor';
import { PgScheduler } from '../platform/scheduling/pg.scheduler';
import { Scheduler } from '../platform/scheduling/scheduler';
import { closeRedis, connectRedis, REDIS } from '../platform/redis';
import { CacheInvalidations, InProcessCacheInvalidations } from '../platform/cache-invalidation';
import { RedisCacheInvalidations } from '../platform/cache-invalidation.redis';
import { Clock, SystemClock } from '../shared-kernel/clock';
import { allMigrations } from './all-migrations';
import type { Migration } from '../platform/persistence/database';

/** How often due scheduled messages (timeouts) are delivered, and expired idempotency keys purged. */
const SCHEDULER_POLL_MS = 500;
const IDEMPOTENCY_PURGE_MS = 60 * 60 * 1000;
/** Whether the platform connected the bus itself (and so closes it), or was given one by the caller. */
const OWNS_BUS = 'orderly:owns-bus';
/**
 * The connections log consumers hold their batch transactions (and leases) on. A pool of their own: a batch that
 * delivers to in-process subscribers waits for handlers which need connections of the main pool; sharing one pool,
 * enough concurrent batches would take every connection and wait forever for handlers that cannot get one.
 * DB_CONSUMER_POOL_SIZE connections.
 */
const CONSUMER_DATABASE = 'orderly:consumer-database';

/**
 * The work a running process does besides answering requests: log consumers (projections, process managers, the
 * outbox publisher), the scheduler poller and the idempotency-key purge. Started by `createApp` after init;
 * stopped, with the bus, the Redis connection and the pool, when the app closes (after the HTTP server stopped
 * taking requests).
 */
@Injectable()
export class PlatformRuntime implements OnApplicationShutdown {
  private purgeTimer?: NodeJS.Timeout;
  private started = false;

  constructor(
    private readonly consumers: LogConsumers,
    private readonly scheduler: Scheduler,
    private readonly outbox: OutboxPublisher,
    private readonly idempotencyKeys: IdempotencyKeys,
    private readonly bus: MessageBus,
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly logger: AppLogger,
    @Inject(OWNS_BUS) private readonly ownsBus: boolean,
    @Inject(CONSUMER_DATABASE) private readonly consumerDb: Database,
    @Inject(REDIS) private readonly redis: Redis | null,
    private readonly cacheInvalidations: CacheInvalidations,
  ) {}

  /** Registers the outbox publisher's consumer: once, after every context registered its translators. */
  installOutbox(): void {
    this.outbox.install();
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.installOutbox();
    await this.consumers.start();
    if (this.scheduler instanceof PgScheduler) this.scheduler.start(SCHEDULER_POLL_MS);
    this.purgeTimer = setInterval(() => {
      this.idempotencyKeys
        .purgeExpired(this.clock.now())
        .catch((error: unknown) => this.logger.warn('idempotency key purge failed', { err: error }));
    }, IDEMPOTENCY_PURGE_MS);
    this.purgeTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.purgeTimer);
    if (this.scheduler instanceof PgScheduler) await this.scheduler.stop();
    await this.consumers.stop();
    if (this.consumerDb !== this.db) await this.consumerDb.close();
    if (this.ownsBus) await this.bus.close();
    await this.cacheInvalidations.close();
    if (this.redis) await closeRedis(this.redis);
    await this.db.close();
  }
}

export type PlatformOptions = {
  /** An open database (createApp opens it to run migrations first); otherwise one is opened from config.databaseUrl. */
  database?: Database;
  clock?: Clock;
  logger?: AppLogger;
  /** e.g. an InProcessMessageBus shared by several apps in one test; the caller closes it. */
  bus?: MessageBus;
  /** The schemas this process owns, which readiness expects applied (default: every context's, the monolith). */
  migrations?: readonly Migration[];
};

/**
 * Where BUS_NAMESPACE puts this app on a shared broker. The exchange and the stream carry the namespace; queues and
 * consumers carry it as a prefix except in the default namespace, whose queues and consumers keep the names they
 * always had (a renamed durable queue or consumer would start empty and lose what the old one still held).
 */
export const busNames = (namespace: string) => {
  const prefix = namespace === DEFAULT_BUS_NAMESPACE ? '' : `${namespace}.`;
  return {
    rabbitmq: { exchange: `${namespace}.events`, queuePrefix: prefix },
    nats: { stream: namespace.toUpperCase(), subjectPrefix: namespace, consumerPrefix: prefix },
  };
};

const connectBus = async (config: Config, logger: AppLogger, metrics: Metrics): Promise<MessageBus> => {
  const log = logger.child({ component: 'messaging' });
  const names = busNames(config.busNamespace);
  // a subscriber is a consumer: its retries count with the log consumers' (subscriber names are few and fixed)
  const observer: BusObserver = {
    subscribed: (subscriber) => metrics.startConsumerCounts(subscriber),
    retried: (subscriber) => metrics.consumerRetries.inc({ consumer: subscriber }),
    deadLettered: (subscriber) => metrics.deadLettered.inc({ consumer: subscriber }),
  };
  switch (config.messageBus) {
    case 'rabbitmq':
      return RabbitMqMessageBus.connect(config.amqpUrl!, { ...names.rabbitmq, logger: log, observer });
    case 'nats':
      return NatsMessageBus.connect(config.natsUrl!, { ...names.nats, logger: log, observer });
    case 'in-process':
      return new InProcessMessageBus({ logger: log, observer });
  }
};

/**
 * Global technical services every context injects by their abstract class: Config, Clock, Database, ReadDatabase
 * (the read replica for staleness-tolerant queries, else the primary; `@ReadYourWrites()` routes note writes), EventStore,
 * LogConsumers, Scheduler, MessageBus, IntegrationEvents (the outbox publisher), Inbox, AccessTokens, AppLogger,
 * the Redis connection (`REDIS`, null without REDIS_URL), the readiness check (`Readiness`), plus the HTTP request
 * pipeline (guards, interceptors, problem+json filter) and the health probes. The composition root names the modules
 * that provide the pipeline's ports (`httpPorts`: identity's API keys and revoked sessions in the monolith).
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: Config, options: PlatformOptions = {}, httpPorts: HttpApiPorts = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: Config, useValue: config },
      { provide: Clock, useValue: options.clock ?? new SystemClock() },
      { provide: AppLogger, useValue: options.logger ?? AppLogger.create(config.logLevel) },
      options.database ? { provide: Database, useValue: options.database } : { provide: Database, useFactory: () => openDatabase(config) },
      {
        provide: EventStore,
        useFactory: (db: Database, metrics: Metrics) =>
          new PostgresEventStore(db, { onCommitted: (events) => metrics.countAppended(events) }),
        inject: [Database, Metrics],
      },
      {
        provide: CONSUMER_DATABASE,
        useFactory: (db: Database) =>
          config.databaseUrl
            ? new PgDatabase(config.databaseUrl, { max: config.consumerPoolSize, applicationName: 'orderly-consumers' })
            : db,
        inject: [Database],
      },
      {
        provide: LogConsumers,
        useFactory: (db: Database, store: EventStore, clock: Clock, logger: AppLogger, metrics: Metrics) => {
          const log = logger.child({ component: 'consumers' });
          return new PgLogConsumers(db, store, clock, {
            log: (level, msg, fields) => log[level](msg, fields),
            onRetry: (consumer) => metrics.consumerRetries.inc({ consumer }),
            onDeadLetter: (consumer) => metrics.deadLettered.inc({ consumer }),
            onRegister: (consumer) => metrics.startConsumerCounts(consumer),
          });
        },
        inject: [CONSUMER_DATABASE, EventStore, Clock, AppLogger, Metrics],
      },
      {
        provide: Scheduler,
        useFactory: (db: Database, store: EventStore, clock: Clock, logger: AppLogger) =>
          new PgScheduler(db, store, clock, { onError: (error) => logger.error('scheduled message delivery failed', { err: error }) }),
        inject: [Database, EventStore, Clock, AppLogger],
      },
      options.bus
        ? { provide: MessageBus, useValue: options.bus }
        : {
            provide: MessageBus,
            useFactory: (logger: AppLogger, metrics: Metrics) => connectBus(config, logger, metrics),
            inject: [AppLogger, Metrics],
          },
      {
        provide: OutboxPublisher,
        useFactory: (consumers: LogConsumers, bus: MessageBus) => new OutboxPublisher(consumers, bus),
        inject: [LogConsumers, MessageBus],
      },
      { provide: IntegrationEvents, useExisting: OutboxPublisher },
      { provide: Inbox, useFactory: (db: Database) => new PgInbox(db), inject: [Database] },
      { provide: OWNS_BUS, useValue: !options.bus },
      {
        provide: REDIS,
        useFactory: (logger: AppLogger) =>
          config.redisUrl ? connectRedis(config.redisUrl, config.redisCommandTimeoutMs, logger.child({ component: 'redis' })) : null,
        inject: [AppLogger],
      },
      {
        // other instances hear of this one's cache invalidations through Redis; without it, there is no one to tell
        provide: CacheInvalidations,
        useFactory: (redis: Redis | null, logger: AppLogger) =>
          redis
            ? RedisCacheInvalidations.open(redis, {
                namespace: config.busNamespace,
                logger: logger.child({ component: 'cache-invalidations' }),
              })
            : new InProcessCacheInvalidations(),
        inject: [REDIS, AppLogger],
      },
      ...metricsProviders(config),
      ...readinessProviders(config, options.migrations ?? allMigrations),
      ...readDatabaseProviders(config),
      { provide: APP_INTERCEPTOR, useClass: ReadYourWritesInterceptor },
      PlatformRuntime,
    ];
    return {
      module: PlatformModule,
      global: true,
      imports: [HttpApiModule.register(httpPorts)],
      // the probes live beside the readiness check they answer from, not in the request pipeline
      controllers: [HealthController],
      providers,
      exports: [
        Config,
        Clock,
        AppLogger,
        Database,
        ReadDatabase,
        EventStore,
        LogConsumers,
        Scheduler,
        MessageBus,
        OutboxPublisher,
        IntegrationEvents,
        Inbox,
        REDIS,
        CacheInvalidations,
        Metrics,
        MetricsServer,
        Readiness,
        PlatformRuntime,
        HttpApiModule,
      ],
    };
  }
}

/** The pool for config.databaseUrl (set by the composition root to the embedded server's URL when there is none). */
export const openDatabase = (config: Config): PgDatabase => {
  if (!config.databaseUrl) throw new Error('no database URL: start the embedded PostgreSQL first or set DATABASE_URL');
  return new PgDatabase(config.databaseUrl, { max: config.dbPoolSize, applicationName: 'orderly' });
};
