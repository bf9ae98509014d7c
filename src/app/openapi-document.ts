import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { loadConfig } from '../platform/config';
import { createHttpAdapter } from '../platform/http/http-server';
import { buildOpenApiDocument } from '../platform/http/openapi';
import { InProcessMessageBus } from '../platform/messaging/in-process.message-bus';
import { AppLogger } from '../platform/observability/logger';
import { PgDatabase } from '../platform/persistence/pg.database';
import { AppModule } from './app.module';

/** Never dialled: the pool connects on its first query, and building the document runs none. */
const UNUSED_DATABASE_URL = 'postgres://offline@127.0.0.1:1/offline';

/**
 * The monolith's OpenAPI document, the one it serves at /api/docs-json, built without a database, a broker or a
 * server: the modules are assembled (constructors only, no `init()`, so nothing connects or listens), the document
 * is read from their routes and the app is closed again. For linting the document and generating clients.
 */
export const buildMonolithOpenApiDocument = async (version?: string): Promise<OpenAPIObject> => {
  const config = loadConfig({
    DATABASE_URL: UNUSED_DATABASE_URL,
    JWT_SECRET: 'offline-document-build-secret-0123456789',
    LOG_LEVEL: 'silent',
  });
  const logger = AppLogger.create('silent');
  const database = new PgDatabase(UNUSED_DATABASE_URL, { max: 1, applicationName: 'orderly-openapi' });
  const bus = new InProcessMessageBus({ logger });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { database, logger, bus }),
    createHttpAdapter(config),
    { logger: false, abortOnError: false },
  );
  try {
    return buildOpenApiDocument(app, version);
  } finally {
    await app.close();
    await bus.close();
  }
};
