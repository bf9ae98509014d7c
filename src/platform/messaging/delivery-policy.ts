import { AppLogger } from '../observability/logger';

/** What the message buses log through; the application passes its AppLogger (a child, typically). */
export type BusLogger = Pick<AppLogger, 'warn' | 'error'>;

export const defaultBusLogger = (): BusLogger => AppLogger.create().child({ component: 'messaging' });

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
