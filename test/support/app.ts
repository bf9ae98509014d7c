import type { ModuleMetadata, Provider } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { AppModule } from '../../src/app/app.module';
import { migrate, prepareHttpApp } from '../../src/app/create-app';
import { PlatformRuntime } from '../../src/app/platform.module';
import { RegisterUserHandler } from '../../src/contexts/identity/application/register-user';
import { LogConsumers } from '../../src/platform/consumers/log-consumer';
import { MessageBus } from '../../src/platform/messaging/message-bus';
import { Config, ConfigValues, loadConfig } from '../../src/platform/config';
import { createHttpAdapter } from '../../src/platform/http/http-server';
import { AppLogger, NestLoggerAdapter } from '../../src/platform/observability/logger';
import { PgDatabase } from '../../src/platform/persistence/pg.database';
import { Scheduler } from '../../src/platform/scheduling/scheduler';
import { Clock, ManualClock } from '../../src/shared-kernel/clock';
import { newId } from '../../src/shared-kernel/ids';
import { freshDatabase } from './db';
import { validateResponses } from './openapi-responses';

export type Role = 'customer' | 'staff' | 'admin';

export type BootOptions = {
  /** Defaults to a fresh database on the embedded server, dropped by `close()`. */
  databaseUrl?: string;
  /** Defaults to a ManualClock at the current time: time moves only when the test advances it. */
  clock?: Clock;
  /**
   * Settings as the environment would give them, read by `loadConfig` (validated like production's). Request rate
   * limits are off unless this says `RATE_LIMITS: 'on'`: suites log in many customers from one address.
   */
  env?: Record<string, string>;
  configOverrides?: Partial<ConfigValues>;
  /** Replace any provider of the real AppModule, e.g. `{ provide: PaymentGateway, useValue: fake }`. */
  overrideProviders?: { provide: unknown; useValue: unknown }[];
  /** Extra modules or controllers (test-only routes) mounted next to the AppModule. */
  imports?: ModuleMetadata['imports'];
  controllers?: ModuleMetadata['controllers'];
  providers?: Provider[];
  /** Share one bus between several apps (e.g. two instances on one database); defaults to config's bus. */
  bus?: MessageBus;
  /** Start the consumers and the scheduler poller in the background as production does (default false: use `drain()`). */
  background?: boolean;
};

export type InjectOptions = {
  headers?: Record<string, string>;
  body?: unknown;
  token?: string;
  query?: Record<string, string>;
  /** The client address the server sees (default 127.0.0.1). */
  remoteAddress?: string;
};

export type LoggedIn = {
  user: { id: string; email: string; name: string; role: Role };
  token: string;
  refreshToken: string;
  password: string;
};

export type TestApp = {
  app: NestFastifyApplication;
  config: Config;
  clock: Clock;
  /** A request through Fastify (no socket): `body` is sent as JSON, `token` as a Bearer header. */
  inject(method: string, url: string, options?: InjectOptions): Promise<InjectResponse>;
  /** Registers a user (any role), logs in through the API and returns the tokens. */
  registerAndLogin(role?: Role, overrides?: { email?: string; password?: string; name?: string }): Promise<LoggedIn>;
  login(email: string, password: string): Promise<{ accessToken: string; refreshToken: string }>;
  /** Runs consumers and due scheduled messages until nothing is left to do (the in-process bus delivers while it runs). */
  drain(): Promise<void>;
  get<T>(token: abstract new (...args: never[]) => T): T;
  close(): Promise<void>;
};

/** Boots the real AppModule on a test database with the same HTTP pipeline as production. */
export const bootTestApp = async (options: BootOptions = {}): Promise<TestApp> => {
  const fresh = options.databaseUrl ? undefined : await freshDatabase();
  const databaseUrl = options.databaseUrl ?? fresh!.url;
  const clock = options.clock ?? new ManualClock(new Date());
  const base = loadConfig({
    DATABASE_URL: databaseUrl,
    JWT_SECRET: 'test-secret-of-at-least-32-characters!',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    RATE_LIMITS: 'off',
    // many apps run at once: each scrape endpoint on a free port (the app's MetricsServer tells which)
    METRICS_PORT: '0',
    ...options.env,
  });
  const config = new Config({ ...base, ...options.configOverrides, databaseUrl });
  const logger = AppLogger.create(config.logLevel);
  const database = new PgDatabase(databaseUrl, { max: 10, applicationName: 'orderly-test' });
  await migrate(database);

  let builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config, { database, clock, logger, bus: options.bus }), ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
    providers: options.providers ?? [],
  });
  for (const { provide, useValue } of options.overrideProviders ?? []) builder = builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config), {
    logger: new NestLoggerAdapter(logger),
    rawBody: true,
  });
  await prepareHttpApp(app);
  const runtime = app.get(PlatformRuntime);
  if (options.background) await runtime.start();
  else runtime.installOutbox();

  // every answer is checked against the app's OpenAPI document (status, content type, body, problem codes)
  validateResponses(
    app,
    (options.controllers ?? []).map((controller) => (controller as { name: string }).name),
  );
  const inject: TestApp['inject'] = (method, url, { headers = {}, body, token, query, remoteAddress } = {}) =>
    app.inject({
      method: method.toUpperCase() as 'GET',
      url,
      query,
      ...(remoteAddress ? { remoteAddress } : {}),
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });

  const login: TestApp['login'] = async (email, password) => {
    const res = await inject('POST', '/api/v1/auth/login', { body: { email, password } });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    return res.json();
  };

  const registerAndLogin: TestApp['registerAndLogin'] = async (role = 'customer', overrides = {}) => {
    const email = overrides.email ?? `${role}-${newId()}@example.com`;
    const password = overrides.password ?? 'correct horse battery staple';
    const user = await app
      .get(RegisterUserHandler)
      .execute(
        { email, password, name: overrides.name ?? `Test ${role}`, role },
        { commandId: newId(), correlationId: newId(), now: clock.now() },
      );
    const session = await login(email, password);
    return { user, token: session.accessToken, refreshToken: session.refreshToken, password };
  };

  const drain: TestApp['drain'] = async () => {
    const consumers = app.get(LogConsumers);
    const scheduler = app.get(Scheduler);
    for (let round = 0; round < 100; round++) {
      await consumers.drain();
      const delivered = await scheduler.deliverDue();
      const lagging = (await consumers.status()).some((s) => s.lag > 0);
      if (delivered === 0 && !lagging) return;
    }
    throw new Error('drain: consumers did not settle after 100 rounds');
  };

  return {
    app,
    config,
    clock,
    inject,
    login,
    registerAndLogin,
    drain,
    get: (token) => app.get(token),
    close: async () => {
      await app.close();
      await fresh?.drop();
    },
  };
};
