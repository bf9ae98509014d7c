import { AppLogger } from '../observability/logger';
import { isOutage } from '../outage';

/** What the message buses log through; the application passes its AppLogger (a child, typically). */
export type BusLogger = Pick<AppLogger, 'warn' | 'error'>;

export const defaultBusLogger = (): BusLogger => AppLogger.create().child({ component: 'messaging' });

/**
 * Told of a bus's subscribers and of what became of their failed deliveries (the application counts them in its
 * metrics). Waiting out an outage is neither a retry nor a dead letter: the message stays claimed, no delivery counted.
 */
export type BusObserver = {
  /** `subscriber` subscribed on this bus (its counts start here, at zero). */
  subscribed(subscriber: string): void;
  /** A delivery to `subscriber` failed and the bus will deliver the message again. */
  retried(subscriber: string): void;
  /** `subscriber` failed a message on its last delivery and the bus parked it in its dead letters. */
  deadLettered(subscriber: string): void;
};

/** The observer of a bus given none. */
export const UNOBSERVED: BusObserver = { subscribed: () => undefined, retried: () => undefined, deadLettered: () => undefined };

/** How often a failing handler gets a message, and how long the bus waits between attempts. */
export type DeliveryPolicy = {
  /** deliveries of one message to one subscriber before it is dead-lettered */
  maxDeliveries: number;
  /** delay before a failed message is delivered again */
  retryDelayMs: number;
};

/** Short, single-line text for message headers. */
export const describeError = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).replace(/[\r\n]+/g, ' ').slice(0, 500);

/**
 * Runs a handler, retrying it every `retryDelayMs` for as long as it fails with an outage (the message stays
 * claimed meanwhile); any other error is thrown at once. Stops waiting when `stopping()` turns true and throws the
 * outage, which callers hand back to the broker without counting a delivery.
 */
export const waitOutOutages = async (
  handle: () => Promise<void>,
  retryDelayMs: number,
  stopping: () => boolean,
  logger: BusLogger,
  fields: Record<string, unknown>,
): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle();
    } catch (error) {
      if (!isOutage(error) || stopping()) throw error;
      if (attempt === 1) logger.warn('message handler hit an outage; retrying until it ends', { ...fields, err: error });
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryDelayMs * attempt, 30_000)));
    }
  }
};
