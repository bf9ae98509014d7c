import { isConnectionError } from './persistence/pg.database';

/**
 * Whether an error means something the work depends on is down (the database, a broker), anywhere in its cause
 * chain or among an aggregate's errors (an in-process delivery wraps the subscriber's error). Outages are waited
 * out: they never use up a message's attempts or send it to the dead letters.
 */
export const isOutage = (error: unknown, depth = 0): boolean => {
  if (depth > 8 || error === null || typeof error !== 'object') return false;
  if ((error as { kind?: unknown }).kind === 'unavailable' || isConnectionError(error)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isOutage(e, depth + 1))) return true;
  return isOutage((error as { cause?: unknown }).cause, depth + 1);
};
