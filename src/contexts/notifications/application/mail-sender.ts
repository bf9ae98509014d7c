import { Injectable } from '@nestjs/common';
import { Config } from '../../../platform/config';
import type { LogConsumer } from '../../../platform/consumers/log-consumer';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import type { Sql } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import type { MailQueued } from './queue-order-mail';
import { Mailer } from './ports';

type MailRow = { id: string; to_address: string; subject: string; text_body: string; sent_at: Date | null };

/**
 * Sends queued mails: a checkpointed consumer of MailQueued events, so a mailer outage is retried with backoff and
 * nothing queued is forgotten. The rows are marked sent in the consumer's transaction; a crash between the SMTP
 * server's acceptance and that commit resends the mail with the same Message-ID. The consumer's lease keeps other
 * instances off these mails, so they are read without a row lock, and written only once every mail of the batch
 * went out: a transaction that has written holds back every reader of the log until it ends, and the SMTP server's
 * answers can take long.
 */
@Injectable()
export class MailSender implements LogConsumer {
  readonly name = 'notifications.mail-sender';
  readonly types = ['MailQueued'] as const;

  constructor(
    private readonly mailer: Mailer,
    private readonly config: Config,
    private readonly clock: Clock,
  ) {}

  handle(event: RecordedEvent, tx: Sql): Promise<void> {
    return this.handleBatch([event], tx);
  }

  async handleBatch(events: RecordedEvent[], tx: Sql): Promise<void> {
    const ids = events.map((event) => (event as RecordedEvent<MailQueued>).data.mailId);
    const { rows } = await tx.query<MailRow>(
      'select id, to_address, subject, text_body, sent_at from notifications.mails where id = any($1::uuid[]) and sent_at is null',
      [ids],
    );
    const unsent = new Map(rows.map((row) => [row.id, row]));
    const sent: string[] = [];
    for (const id of ids) {
      const mail = unsent.get(id);
      if (!mail) continue;
      unsent.delete(id);
      await this.mailer.send({
        messageId: `<${mail.id}@orderly.mail>`,
        from: this.config.mailFrom,
        to: mail.to_address,
        subject: mail.subject,
        text: mail.text_body,
      });
      sent.push(mail.id);
    }
    if (sent.length > 0) await tx.query('update notifications.mails set sent_at = $2 where id = any($1::uuid[])', [sent, this.clock.now()]);
  }
}
