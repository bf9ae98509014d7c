import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { headerOf, type OrderlyRequest } from './request-context';

/** The longest wait a client may ask for; a longer one is shortened to it. */
export const MAX_PREFERRED_WAIT_S = 30;

/**
 * The `wait` preference of an RFC 7240 `Prefer` header (`Prefer: wait=10`, alone or among other preferences), in
 * whole seconds capped at MAX_PREFERRED_WAIT_S; undefined when there is none or it is not a number. Preferences are
 * hints: one the server cannot read is ignored, never an error.
 */
export const preferredWait = (header: string | undefined): number | undefined => {
  if (!header) return undefined;
  for (const preference of header.split(',')) {
    const [name, value] = preference
      .split(';')[0]
      .split('=')
      .map((part) => part.trim());
    if (name.toLowerCase() !== 'wait' || value === undefined || !/^\d{1,9}$/.test(value.replace(/^"|"$/g, ''))) continue;
    return Math.min(Number(value.replace(/^"|"$/g, '')), MAX_PREFERRED_WAIT_S);
  }
  return undefined;
};

/** The seconds the request's `Prefer: wait=N` asks for (see `preferredWait`). */
export const PreferredWait = createParamDecorator((_: unknown, context: ExecutionContext): number | undefined =>
  preferredWait(headerOf(context.switchToHttp().getRequest<OrderlyRequest>(), 'prefer')),
);

/** Tells the client its wait preference was honoured (RFC 7240 `Preference-Applied`). */
export const applyWait = (reply: FastifyReply, seconds: number): void => {
  reply.header('preference-applied', `wait=${seconds}`);
};

/** Documents the `Prefer: wait=N` a route honours. */
export const ApiPreferWait = (what: string) =>
  applyDecorators(
    ApiHeader({
      name: 'Prefer',
      required: false,
      description:
        `RFC 7240 \`wait=N\` (seconds, at most ${MAX_PREFERRED_WAIT_S}): the answer waits until ${what}, or N seconds, ` +
        'and then shows the state so far; `Preference-Applied: wait=N` says the wait was honoured.',
    }),
  );
