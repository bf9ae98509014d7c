import { Body, Controller, Get, Global, HttpCode, Module, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { z } from 'zod';
import { Config, loadConfig } from '../../src/platform/config';
import { type CommandMeta, WrongExpectedVersion } from '../../src/platform/event-store/event-store';
import { AccessTokens } from '../../src/platform/http/access-tokens';
import { httpMigrations } from '../../src/platform/http/http.migrations';
import { HttpApiModule } from '../../src/platform/http/http-api.module';
import { configureHttpApp, createHttpAdapter } from '../../src/platform/http/http-server';
import { API_V1, Idempotent, Meta, Public, Roles } from '../../src/platform/http/request-context';
import { ZodPipe } from '../../src/platform/http/zod.pipe';
import { AppLogger } from '../../src/platform/observability/logger';
import { Database } from '../../src/platform/persistence/database';
import { PgDatabase, toUnavailable } from '../../src/platform/persistence/pg.database';
import { Clock, ManualClock } from '../../src/shared-kernel/clock';
import { Conflict, Unavailable } from '../../src/shared-kernel/errors';
import { newId } from '../../src/shared-kernel/ids';
import { freshDatabase } from './db';

const Echo = z.object({ name: z.string().min(1), count: z.number().int() }).strict();

/** A test-only controller exercising each part of the HTTP pipeline. */
@Controller(`${API_V1}/probe`)
export class ProbeController {
  calls = 0;
  release?: () => void;

  @Post('echo')
  @Public()
  @HttpCode(200)
  echo(@Body(new ZodPipe(Echo)) body: z.infer<typeof Echo>, @Meta() meta: CommandMeta) {
    return { body, meta };
  }

  /** name 'slow' waits for `release()`, 'taken' is a 409, 'boom' an unexpected error. */
  @Post('orders')
  @Idempotent({ required: true })
  async create(@Body(new ZodPipe(Echo)) body: z.infer<typeof Echo>, @Meta() meta: CommandMeta) {
    this.calls++;
    if (body.name === 'slow') await new Promise<void>((resolve) => (this.release = resolve));
    if (body.name === 'taken') throw new Conflict('probe.taken', 'already taken');
    if (body.name === 'boom') throw new Error('secret internals: password=hunter2');
    return { call: this.calls, commandId: meta.commandId };
  }

  @Get('staff-only')
  @Roles('staff')
  staffOnly() {
    return { ok: true };
  }

  @Get('race/:id')
  @Public()
  race(@Param('id') id: string) {
    throw new WrongExpectedVersion(`probe-${id}`, 1, 2);
  }

  /** 'busy': the app refuses work it has no room for (a full bulkhead); 'outage': the database cannot be reached. */
  @Get('unavailable/:why')
  @Public()
  unavailable(@Param('why') why: string) {
    if (why === 'busy') throw new Unavailable('probe.busy', 'no room for more work', { retryAfterSeconds: 2 });
    throw toUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
  }
}

/** A log line as the app wrote it (pino JSON). */
export type LogLine = { level: string; msg: string; [field: string]: unknown };

export type ProbeApp = {
  app: NestFastifyApplication;
  clock: ManualClock;
  probe: ProbeController;
  /** Every line the app logged (from debug up) since it started. */
  logs: LogLine[];
  /** `Bearer <access token>` for a user of that role. */
  bearer(role?: 'customer' | 'staff' | 'admin', id?: string): Promise<string>;
  post(url: string, payload: unknown, headers?: Record<string, string>): ReturnType<NestFastifyApplication['inject']>;
  close(): Promise<void>;
};

/** Only the platform's HTTP pipeline (no context) on a fresh database, with the probe controller mounted. */
export const bootProbeApp = async (): Promise<ProbeApp> => {
  const database = await freshDatabase();
  const db = new PgDatabase(database.url);
  for (const m of httpMigrations) await db.query(m.sql);
  const config = loadConfig({ DATABASE_URL: database.url, JWT_SECRET: 'x'.repeat(40), LOG_LEVEL: 'silent', RATE_LIMITS: 'off' });
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const logs: LogLine[] = [];

  @Global()
  @Module({
    providers: [
      { provide: Config, useValue: config },
      { provide: Clock, useValue: clock },
      { provide: Database, useValue: db },
      { provide: AppLogger, useValue: AppLogger.create('debug', { write: (line: string) => void logs.push(JSON.parse(line)) }) },
    ],
    exports: [Config, Clock, Database, AppLogger],
  })
  class ProbePlatformModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [ProbePlatformModule, HttpApiModule],
    controllers: [ProbeController],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config), { logger: false, rawBody: true });
  configureHttpApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const tokens = app.get(AccessTokens);

  return {
    app,
    clock,
    probe: app.get(ProbeController),
    logs,
    bearer: async (role = 'customer', id = '0190f000-0000-7000-8000-000000000001') =>
      `Bearer ${(await tokens.sign({ id, email: `${role}@example.com`, role }, newId())).token}`,
    post: (url, payload, headers = {}) =>
      app.inject({
        method: 'POST',
        url,
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
        headers: { 'content-type': 'application/json', ...headers },
      }),
    close: async () => {
      await app.close();
      await db.close();
      await database.drop();
    },
  };
};
