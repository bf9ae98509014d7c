import type { Channel, ConfirmChannel } from 'amqplib';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import { Unavailable } from '../../shared-kernel/errors';
import type { BusLogger } from './delivery-policy';

/** How long closing waits for the connection manager: it never settles when closed while it waits to retry. */
const MANAGER_CLOSE_WAIT_MS = 2_000;

/** The outage a publish or subscribe meets while the broker is not connected: waited out, never dead-lettered. */
export const brokerUnavailable = (reason: string, cause?: unknown): Unavailable =>
  Object.assign(new Unavailable('messaging.bus_unavailable', `rabbitmq: ${reason}`), cause ? { cause } : {});

/**
 * A channel wrapper whose `setup` runs on every new channel (each reconnection); resolves once the first run
 * succeeded. Rejects, and closes the wrapper, when that run fails or the connection is lost first: the caller hears
 * of it now rather than waiting for a broker that may not come back. Later failures are logged.
 *
 * The manager opens new channels only on a new connection: a channel the broker closes on its own (a channel error)
 * while the connection stays up would stay closed, so that forces a reconnection, unless `stopping()`.
 */
export const openManagedChannel = async (
  manager: AmqpConnectionManager,
  logger: BusLogger,
  name: string,
  confirm: boolean,
  setup: (channel: Channel) => Promise<void>,
  stopping: () => boolean,
): Promise<ChannelWrapper> => {
  let settled = false;
  let settle: (error?: unknown) => void = () => undefined;
  const firstRun = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      if (settled) return;
      settled = true;
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
  });
  const wrapper = manager.createChannel({
    name,
    confirm,
    setup: async (channel: Channel) => {
      channel.on('error', (error: Error) => logger.error(`rabbitmq ${name} channel error`, { err: error }));
      try {
        await setup(channel);
        channel.once('close', () => reconnectUnlessConnectionClosed(manager, logger, name, stopping));
        settle();
      } catch (error) {
        if (!settled) return settle(error); // the caller gets it; later runs are logged by the wrapper's error event
        throw error;
      }
    },
  });
  wrapper.on('error', (error: Error) => logger.error(`rabbitmq ${name} channel setup failed`, { err: error }));
  const lost = () => settle(brokerUnavailable('not connected to the broker'));
  manager.on('disconnect', lost);
  if (!manager.isConnected()) lost();
  try {
    await firstRun;
    return wrapper;
  } catch (error) {
    await wrapper.close().catch(() => undefined);
    throw error;
  } finally {
    manager.removeListener('disconnect', lost);
  }
};

const reconnectUnlessConnectionClosed = (manager: AmqpConnectionManager, logger: BusLogger, name: string, stopping: () => boolean) =>
  // amqplib closes the channels before it reports the connection closed: look once that has been told
  setImmediate(() => {
    if (stopping() || !manager.isConnected()) return;
    logger.error(`rabbitmq ${name} channel closed by the broker; reconnecting`, {});
    try {
      manager.reconnect();
    } catch (error) {
      logger.warn('rabbitmq could not reconnect', { err: error });
    }
  });

/** Closes the manager (its channels first, then the connection), giving up waiting after a bound. */
export const closeManager = async (manager: AmqpConnectionManager): Promise<void> => {
  const closed = manager.close().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, MANAGER_CLOSE_WAIT_MS)))]);
  clearTimeout(timer);
};

/** Resolves once the channel can take more writes, or has closed. */
export const drained = (channel: ConfirmChannel): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      channel.off('drain', done).off('close', done);
      resolve();
    };
    channel.once('drain', done).once('close', done);
  });

/** amqplib refuses to write on a channel or connection already closed. */
export const isClosedChannelError = (error: unknown): boolean => error instanceof Error && error.name === 'IllegalOperationError';
