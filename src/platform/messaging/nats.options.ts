import type { BusLogger, BusObserver, DeliveryPolicy } from './delivery-policy';

/** What a NATS JetStream bus is connected with (`NatsMessageBus.connect`). */
export type NatsBusOptions = Partial<DeliveryPolicy> & {
  /** stream holding every message (default 'ORDERLY'); dead letters go to `<stream>_DLQ` */
  stream?: string;
  /** subject = `<prefix>.<type>` (default 'orderly'); dead letters use `<prefix>-dlq.<type>` */
  subjectPrefix?: string;
  /** put before the subscriber in each durable consumer's name, e.g. 'staging.' (default '': see consumerName) */
  consumerPrefix?: string;
  /** unacknowledged messages per consumer, handled concurrently (default 64) */
  prefetch?: number;
  /** a delivery not acknowledged within this time is sent again (default 30 s) */
  ackWaitMs?: number;
  /** how long the stream keeps messages (default 7 days) */
  maxAgeMs?: number;
  /** window in which the server drops a republished message id (default 2 minutes) */
  duplicateWindowMs?: number;
  /**
   * After the connection is lost, the client tries to connect again up to `maxAttempts` times (-1: forever), `waitMs`
   * apart (defaults: forever, 1 s apart: a broker outage is waited out, readiness down meanwhile, rather than ended
   * by restarts that cannot connect either; the work in flight goes on within a second of the broker's return). Once
   * they are spent the bus has failed for good (`hasFailed`): only a restart connects it again.
   */
  reconnect?: { maxAttempts?: number; waitMs?: number };
  /** how long a publish waits for its PubAck before it fails as an outage (default 5 s) */
  publishTimeoutMs?: number;
  logger?: BusLogger;
  /** told of each delivery nak'ed for a retry and each message copied to `<stream>_DLQ` */
  observer?: BusObserver;
};

/** The options with every default applied. */
export type NatsBusSettings = DeliveryPolicy &
  Required<Pick<NatsBusOptions, 'stream' | 'subjectPrefix' | 'consumerPrefix' | 'prefetch' | 'ackWaitMs' | 'publishTimeoutMs'>> & {
    reconnectWaitMs: number;
  };
