import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { canonicalEmail } from '../../../shared-kernel/identifiers';
import { newId } from '../../../shared-kernel/ids';
import { composeOrderMail, type OrderMailFact } from '../domain/order-mail';
import { findRecipient } from './recipients';

export const mailStream = (mailId: string): string => `notifications.mail-${mailId}`;
export type MailQueued = { type: 'MailQueued'; data: { mailId: string; kind: string; orderId: string } };

/** Not an error of the customer: the registration fact has not reached us yet, so the message is retried later. */
export class RecipientNotYetKnown extends Error {
  constructor(customerId: string) {
    super(`no recipient known yet for customer ${customerId}`);
  }
}

/**
 * Queues the mail for one fact inside the subscriber's inbox transaction: the mail row (unique per fact) and a
 * MailQueued event, which the mail sender consumes from the log. Returns false when this fact was mailed before, or
 * when the recipient's stored address is not one the identifier policy accepts.
 */
@Injectable()
export class QueueOrderMailHandler {
  constructor(private readonly events: EventStore) {}

  async execute(fact: OrderMailFact & { factId: string; customerId: string }, meta: CommandMeta, tx: Sql): Promise<boolean> {
    const recipient = await findRecipient(tx, fact.customerId);
    if (!recipient) throw new RecipientNotYetKnown(fact.customerId);
    // a recipient recorded before the identifier policy, in a form it refuses, gets no mail rather than a malformed one
    if (canonicalEmail(recipient.email) !== recipient.email) return false;
    const mail = composeOrderMail(fact, recipient);
    const mailId = newId();
    const { rowCount } = await tx.query(
      `insert into notifications.mails (id, fact_id, kind, order_id, to_address, subject, text_body, queued_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (fact_id) do nothing`,
      [mailId, fact.factId, fact.kind, fact.orderId, mail.to, mail.subject, mail.text, meta.now],
    );
    if (rowCount === 0) return false;
    const queued: MailQueued = { type: 'MailQueued', data: { mailId, kind: fact.kind, orderId: fact.orderId } };
    await this.events.append(mailStream(mailId), [queued], { expectedVersion: 'no_stream', meta, tx });
    return true;
  }
}
