import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';

/* What the NATS bus declares on the server at start: its streams and durable consumers, created or brought up to date. */

/** Durable names may not contain '.', '*', '>', whitespace or path separators. */
export const consumerName = (subscriber: string, type: string): string => `${subscriber}__${type}`.replace(/[.*>\s/\\]/g, '_');

const isApiError = (error: unknown, code: number): boolean => error instanceof JetStreamApiError && error.code === code;

export const ensureStream = async (jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> => {
  try {
    await jsm.streams.info(config.name);
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
    await jsm.streams.add(config);
  }
};

type ConsumerSettings = Parameters<JetStreamManager['consumers']['add']>[1] & { durable_name: string };

/** Creates the durable consumer, or updates the settings that may change on an existing one. */
export const ensureConsumer = async (jsm: JetStreamManager, stream: string, config: ConsumerSettings): Promise<void> => {
  try {
    await jsm.consumers.info(stream, config.durable_name);
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
    await jsm.consumers.add(stream, config);
    return;
  }
  const { ack_wait, max_deliver, max_ack_pending } = config;
  await jsm.consumers.update(stream, config.durable_name, { ack_wait, max_deliver, max_ack_pending });
};
