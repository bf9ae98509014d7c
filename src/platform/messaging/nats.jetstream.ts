import { headers, nanos, type MsgHdrs } from '@nats-io/transport-node';
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JsMsg,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { IntegrationMessage } from './message-bus';
import type { BusLogger } from './delivery-policy';
import { traceHeadersOf } from '../observability/tracing-consumers';
import { Unavailable } from '../../shared-kernel/errors';

/* What the NATS bus declares on the server (its streams and durable consumers, created or brought up to date), how it
   keeps pulling from its consumers, and the headers it writes on messages. */

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

export type DurableConsumer = Partial<ConsumerConfig> & { durable_name: string };

/**
 * A subscriber's durable pull consumer of one subject: new messages only, each acknowledged; no server-side
 * max_deliver (the bus counts deliveries and dead-letters itself); at most `prefetch` unacknowledged.
 */
export const durableConsumer = (name: string, subject: string, limits: { ackWaitMs: number; prefetch: number }): DurableConsumer => ({
  durable_name: name,
  filter_subject: subject,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.New,
  ack_wait: nanos(limits.ackWaitMs),
  max_deliver: -1,
  max_ack_pending: limits.prefetch,
});

/** Creates the durable consumer or brings it up to date, and starts pulling from it. */
export const openConsumer = async (
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  config: DurableConsumer,
  prefetch: number,
): Promise<ConsumerMessages> => {
  await ensureConsumer(jsm, stream, config);
  return (await js.consumers.get(stream, config.durable_name)).consume({ max_messages: prefetch });
};

export type PullLoop = {
  /** takes one pulled message (handles it, or hands it back while closing) */
  deliver(msg: JsMsg): void;
  /** opens the consumer again */
  open(): Promise<ConsumerMessages>;
  closing(): boolean;
  connected(): boolean;
  /** pause before each attempt to open the consumer again */
  retryMs: number;
  logger: BusLogger;
  fields: Record<string, unknown>;
};

/**
 * Delivers every message of `pulling.messages` until `loop.closing()`. The client pulls again by itself across a
 * reconnect; when the pull ends anyway (a restarted server lost the consumer, or answered with an error), the consumer
 * is opened again, one attempt per `retryMs` while connected, and `pulling.messages` is the new pull (the one that
 * closing the bus closes).
 */
export const pullUntilClosed = async (pulling: { messages: ConsumerMessages }, loop: PullLoop): Promise<void> => {
  while (!loop.closing()) {
    try {
      for await (const msg of pulling.messages) loop.deliver(msg);
      if (loop.closing()) return;
      loop.logger.warn('nats consumer ended; consuming again', loop.fields);
    } catch (error) {
      if (loop.closing()) return;
      loop.logger.error('nats consumer stopped; consuming again', { ...loop.fields, err: error });
    }
    pulling.messages = await reopen(loop, pulling.messages);
  }
};

/** The consumer opened again once the server can be reached; the ended pull if the bus closes first. */
const reopen = async (loop: PullLoop, ended: ConsumerMessages): Promise<ConsumerMessages> => {
  while (!loop.closing()) {
    await new Promise((resolve) => setTimeout(resolve, loop.retryMs));
    if (loop.closing() || !loop.connected()) continue;
    try {
      const messages = await loop.open();
      if (!loop.closing()) return messages;
      await messages.close();
    } catch (error) {
      loop.logger.warn('nats consumer cannot be opened yet', { ...loop.fields, err: error });
    }
  }
  return ended;
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

/** What a copy in the dead-letter stream says of the message and why it is there. */
export const deadLetterHeaders = (subscriber: string, reason: string, msg: JsMsg): MsgHdrs =>
  headersOf({
    'Orderly-Subscriber': subscriber,
    'Orderly-Error': reason,
    'Orderly-Deliveries': String(msg.info.deliveryCount),
    'Orderly-Stream-Seq': String(msg.seq),
  });

/** The server did not take the messages: an outage to wait out, with what the client said as its cause. */
export const brokerUnavailable = (error: unknown): Unavailable =>
  error instanceof Unavailable
    ? error
    : Object.assign(new Unavailable('messaging.bus_unavailable', 'the nats server did not accept the messages'), { cause: error });
