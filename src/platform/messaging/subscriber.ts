import { Logger } from '@nestjs/common';
import type { z } from 'zod';
import type { Clock } from '../../shared-kernel/clock';
import { type CommandMeta, retryOnConflict } from '../event-store/event-store';
import type { Metrics } from '../observability/metrics';
import { onceCommitted, type Sql, type TransactionOptions } from '../persistence/database';
import { handleInOrder, handleTogether, type InOrderOptions, orderIdOf } from './batches';
import {
  type BatchHandler,
  type Inbox,
  type IntegrationMessage,
  type MessageBus,
  type MessageHandler,
  metaForMessage,
  READ_MODEL_ONLY,
} from './message-bus';

/** What a subscription runs on; every one is a global provider, injected into the subscriber's constructor. */
export type SubscriptionPorts = { bus: MessageBus; inbox: Inbox; clock: Clock; metrics: Metrics };

/** What a message's effect is built from besides its data: the message, and the meta of what the subscriber does for it. */
export type Delivery = { readonly message: IntegrationMessage; readonly meta: CommandMeta };

/** A message whose data matched its type's schema, with what it does to this subscriber. */
export type Accepted<E> = { readonly id: string; readonly message: IntegrationMessage; readonly effect: E };

/** The effect of the single and in-order forms: the message's work in its inbox transaction. */
export type InboxEffect = (tx: Sql) => Promise<unknown>;

/** A message whose data did not match its type's schema, with what the schema found wrong. */
type Poison = { readonly id: string; readonly message: IntegrationMessage; readonly issues: readonly string[] };
type Verdict<E> = Accepted<E> | Poison;

const isPoison = <E>(verdict: Verdict<E>): verdict is Poison => 'issues' in verdict;
const isAccepted = <E>(verdict: Verdict<E>): verdict is Accepted<E> => !isPoison(verdict);

/** The order an accepted message is about (else its correlation): the key its order's messages keep their order by. */
export const orderKeyOf = ({ message }: { readonly message: IntegrationMessage }): string => orderIdOf(message) ?? message.correlationId;

/** How a subscription takes one wire type: made with `on`. */
export type Reaction<E> = {
  readonly read: (data: unknown, delivery: Delivery) => { effect: E | undefined } | { issues: string[] };
};

/** Where in the data, and what: never the value itself (it may be personal). */
const describeIssue = ({ path, message }: { path: readonly PropertyKey[]; message: string }): string =>
  path.length > 0 ? `${path.map(String).join('.')}: ${message}` : message;

/**
 * A wire type's reaction: the schema its `data` must match (the contract's, or a narrower one of the fields the
 * subscriber reads: consumers tolerate extra fields), and the effect of a message whose data matches it, built from
 * the parsed data and the delivery; undefined when the message asks nothing of this subscriber (no inbox row either).
 */
export const on = <S extends z.ZodType, E>(schema: S, effectOf: (data: z.output<S>, delivery: Delivery) => E | undefined): Reaction<E> => ({
  read: (data, delivery) => {
    const parsed = schema.safeParse(data);
    return parsed.success ? { effect: effectOf(parsed.data, delivery) } : { issues: parsed.error.issues.map(describeIssue) };
  },
});

/**
 * A subscriber's subscription to the bus: the wire types it takes, each with the schema of its data and its effect
 * (`on`), under the subscriber's name (its durable queue or consumer, its inbox rows, its command ids). Each effect
 * gets the command meta of the message (`metaForMessage`: `<message id>:<subscriber>`, its correlation and trace) and
 * runs once per message through the inbox, in one of three forms:
 * - `handleOne`: one message, its inbox row and effect in one transaction, run again when it loses a race;
 * - `handleInOrder`: a batch in one transaction, in its order (one commit for the batch);
 * - `accept`, then `applyOnce` / `applyTogether` (and `splitBatch`, `handleByKey`): a subscriber that shapes its
 *   batches itself, e.g. applying the messages of different orders together on rows locked once for all of them.
 *
 * Malformed messages (one policy for every subscriber): a message whose data does not match its type's schema is
 * never retried. The same data fails the same way on every delivery, and retries would only hold up the messages
 * behind it before the bus parked it. The bus cannot park a message at a handler's request, so the subscriber takes
 * it as handled: its inbox row is written (in the batch's transaction with `handleInOrder`, in one of its own
 * otherwise) and, once that commits, a warning names the message and what its data lacks, and the message is counted
 * in `orderly_dead_lettered_total{consumer="<subscriber>"}`, the series that alerts on messages given up on. A
 * redelivery finds the row: no second warning, no second count. Its data is still in the producer's event log.
 */
export class Subscription<E> {
  /** The wire types subscribed: those with a reaction. */
  readonly types: readonly string[];
  private readonly reactions: ReadonlyMap<string, Reaction<E>>;
  private readonly logger: Logger;

  constructor(
    readonly name: string,
    private readonly ports: SubscriptionPorts,
    reactions: Readonly<Record<string, Reaction<E>>>,
  ) {
    this.reactions = new Map(Object.entries(reactions));
    this.types = [...this.reactions.keys()];
    this.logger = new Logger(name);
  }

  /** Subscribes a handler of one message at a time (`MessageBus.subscribe`). */
  subscribe(handler: MessageHandler): Promise<void> {
    return this.ports.bus.subscribe(this.name, this.types, handler);
  }

  /** Subscribes a handler of batches, where the transport delivers them (`MessageBus.subscribeBatch`). */
  subscribeBatch(handler: BatchHandler): Promise<void> {
    return this.ports.bus.subscribeBatch(this.name, this.types, handler);
  }

  /** One message: its effect and its inbox row in one transaction, run again when it loses a race. */
  async handleOne(this: Subscription<InboxEffect>, message: IntegrationMessage, options?: TransactionOptions): Promise<void> {
    const [accepted] = await this.accept([message]);
    if (accepted) await this.applyOnce(accepted.message, accepted.effect, options);
  }

  /**
   * A batch in one inbox transaction (see `handleInOrder` of batches): the effect of each message not handled before,
   * in the batch's order; a malformed message's inbox row goes in the same statement as the others'. `prepare` runs
   * first, with the valid messages not handled before.
   */
  handleInOrder(
    this: Subscription<InboxEffect>,
    messages: readonly IntegrationMessage[],
    options: InOrderOptions<Accepted<InboxEffect>> = {},
  ): Promise<void> {
    const { prepare, ...transaction } = options;
    return handleInOrder(
      this.ports.inbox,
      this.name,
      this.read(messages),
      (verdict) => (isPoison(verdict) ? async (tx: Sql) => this.poisoned(verdict, tx) : verdict.effect),
      prepare ? { ...transaction, prepare: (tx, fresh) => prepare(tx, fresh.filter(isAccepted)) } : transaction,
    );
  }

  /**
   * The valid messages of a delivery, in its order, with their effects (not those that ask nothing of this
   * subscriber). The malformed ones are recorded as poison first, in one inbox transaction (none when there are none).
   */
  async accept(messages: readonly IntegrationMessage[]): Promise<Accepted<E>[]> {
    const verdicts = this.read(messages);
    const poison = verdicts.filter(isPoison);
    if (poison.length > 0)
      await this.ports.inbox.handleEachOnce(
        this.name,
        poison.map(({ id }) => id),
        async (tx, fresh) => {
          for (const message of poison) if (fresh.has(message.id)) this.poisoned(message, tx);
        },
        READ_MODEL_ONLY,
      );
    return verdicts.filter(isAccepted);
  }

  /** Runs `work` once for the message: its inbox row and `work` commit together, run again when it loses a race. */
  async applyOnce(message: IntegrationMessage, work: (tx: Sql) => Promise<unknown>, options?: TransactionOptions): Promise<void> {
    await retryOnConflict(() =>
      this.ports.inbox.handleOnce(
        this.name,
        message.id,
        async (tx) => {
          await work(tx);
        },
        options,
      ),
    );
  }

  /** Several messages' commands in one inbox transaction: `work` gets those not handled before (`handleTogether`). */
  applyTogether<C extends { id: string }>(
    commands: readonly C[],
    work: (tx: Sql, fresh: C[]) => Promise<unknown>,
    options?: TransactionOptions,
  ): Promise<void> {
    return handleTogether(this.ports.inbox, this.name, commands, work, options);
  }

  /** Each message of a known type, parsed: accepted with its effect (skipped when it has none), or poison. */
  private read(messages: readonly IntegrationMessage[]): Verdict<E>[] {
    const now = this.ports.clock.now();
    return messages.flatMap((message): Verdict<E>[] => {
      const reaction = this.reactions.get(message.type);
      if (!reaction) return [];
      const read = reaction.read(message.data, { message, meta: metaForMessage(message, this.name, now) });
      if ('issues' in read) return [{ id: message.id, message, issues: read.issues }];
      return read.effect === undefined ? [] : [{ id: message.id, message, effect: read.effect }];
    });
  }

  /** Warns and counts once `tx`, which writes the malformed message's inbox row, has committed. */
  private poisoned({ message, issues }: Poison, tx: Sql): void {
    onceCommitted(tx, () => {
      this.ports.metrics.deadLettered.inc({ consumer: this.name });
      this.logger.warn({
        msg: `malformed ${message.type} ${message.id}: recorded as handled, never retried`,
        subscriber: this.name,
        messageId: message.id,
        type: message.type,
        issues,
      });
    });
  }
}
