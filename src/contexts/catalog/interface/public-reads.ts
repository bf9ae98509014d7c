import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OrderlyRequest } from '../../../platform/http/request-context';
import type { CatalogReadCache } from '../application/catalog-read-cache';
import type { Audience } from '../application/product-queries';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Who reads, and the URL they read: staff and admins (by a valid token) see unpublished products too. */
export type Reader = { audience: Audience; url: string };

export const CurrentReader = createParamDecorator((_: unknown, ctx: ExecutionContext): Reader => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest & OrderlyRequest>();
  const role = request.user?.role;
  return { audience: role === 'staff' || role === 'admin' ? 'staff' : 'public', url: request.url };
});

/**
 * Answers a read with its JSON, serialized once: what the public sees comes from the read cache (keyed by URL, so
 * `CachedReadsHook` can serve the next anonymous request for it), what staff see is computed each time.
 */
export const answer = async (
  cache: CatalogReadCache,
  reader: Reader,
  reply: FastifyReply,
  read: () => Promise<unknown>,
): Promise<string | Buffer> => {
  const serialize = async () => JSON.stringify(await read());
  const body = reader.audience === 'public' ? await cache.get(reader.url, serialize) : await serialize();
  reply.header('content-type', JSON_CONTENT_TYPE);
  return body;
};
