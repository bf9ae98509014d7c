import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { CacheInvalidations } from '../../../platform/cache-invalidation';
import { API_V1, carriesCredentials } from '../../../platform/http/request-context';
import { CatalogReadCache } from '../application/catalog-read-cache';
import { JSON_CONTENT_TYPE } from './public-reads';

const PREFIXES = ['products', 'search', 'categories'].map((path) => `/${API_V1}/${path}`);

/** Where the instances of the app announce the catalog changes they commit to each other's read caches. */
export const CATALOG_CHANGES_CHANNEL = 'catalog.reads';

/**
 * Answers an anonymous GET of a public catalog read from the read cache before the rest of the request pipeline
 * (guard, interceptors, validation, controller) runs, when that pipeline produced the response for this exact URL a
 * moment ago and no catalog change was seen since (`CatalogReadCache`). Fastify hooks registered earlier (security
 * headers, request id, the rate limit of anonymous requests) and later ones (access log) still run. Anything else —
 * a token or an API key (staff read unpublished products), another method, a miss — goes through the pipeline as usual.
 *
 * It also keeps the cache in step with the other instances (`CacheInvalidations`, Redis pub/sub when configured):
 * a change committed here is announced to them, and one they announce empties this cache. Any process that writes
 * the catalog announces its changes, HTTP or not (the seed), so running servers never wait out the TTL for them.
 */
@Injectable()
export class CachedReadsHook implements OnModuleInit, OnModuleDestroy {
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly cache: CatalogReadCache,
    private readonly invalidations: CacheInvalidations,
  ) {}

  onModuleInit(): void {
    this.stops.push(
      this.cache.onInvalidate(() => this.invalidations.publish(CATALOG_CHANGES_CHANNEL)),
      this.invalidations.subscribe(CATALOG_CHANGES_CHANNEL, () => this.cache.applyRemoteInvalidation()),
    );
    // an application context without HTTP (the seed) has no adapter
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (typeof fastify?.addHook !== 'function') return;
    fastify.addHook('onRequest', (request, reply, done) => {
      const url = request.url;
      if (request.method !== 'GET' || carriesCredentials(request) || !PREFIXES.some((prefix) => url.startsWith(prefix))) return done();
      const body = this.cache.peek(url);
      if (body === undefined) return done();
      void reply.header('content-type', JSON_CONTENT_TYPE).send(body);
    });
  }

  onModuleDestroy(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
