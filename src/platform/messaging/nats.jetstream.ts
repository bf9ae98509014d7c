import { headers, nanos, type MsgHdrs } from '@nats-io/transport-node';
import {
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { IntegrationMessage } from './message-bus';
import { traceHeadersOf } from '../observability/tracing-consumers';

/* What the NATS bus declares on the server (its streams and durable consumers, created or brought up to date) and the
   headers it writes on messages. */

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

/** The bus's stream (`<prefix>.>`, kept `maxAgeMs`) and its dead-letter stream (`<prefix>-dlq.>`, `<stream>_DLQ`). */
export const ensureStreams = async (
  jsm: JetStreamManager,
  settings: { stream: string; subjectPrefix: string; duplicateWindowMs: number; maxAgeMs: number },
): Promise<void> => {
  const common = { retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: nanos(settings.duplicateWindowMs) };
  await ensureStream(jsm, {
    ...common,
    name: settings.stream,
    subjects: [`${settings.subjectPrefix}.>`],
    max_age: nanos(settings.maxAgeMs),
  });
  await ensureStream(jsm, { ...common, name: `${settings.stream}_DLQ`, subjects: [`${settings.subjectPrefix}-dlq.>`] });
};

/** NATS headers holding `values`. */
export const headersOf = (values: Record<string, string>): MsgHdrs => {
  const h = headers();
  for (const [name, value] of Object.entries(values)) h.set(name, value);
  return h;
};

/** The message's trace context as NATS headers; none while tracing is off. */
export const natsTraceHeaders = (message: IntegrationMessage): MsgHdrs | undefined => {
  const trace = traceHeadersOf(message);
  return trace && headersOf(trace);
};
