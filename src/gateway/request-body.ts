import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';
import { BODY_LIMIT_BYTES } from '../platform/http/http-server';

/**
 * The whole body of a request the gateway must look into before forwarding it (a login's email, which its rate limit
 * counts by), at most BODY_LIMIT_BYTES, as much as the services accept: a larger one is refused with their 413
 * (`request.body_too_large`), from Content-Length before a byte is read. Every other body streams through unread.
 */
export const readWholeBody = async (body: unknown, contentLength: string | undefined): Promise<Buffer | undefined> => {
  if (body === undefined || body === null) return undefined;
  if (Number(contentLength) > BODY_LIMIT_BYTES) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as Readable) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};
