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
 * nothing queued is forgotten. The row is marked sent in the consumer's transaction; a crash between the SMTP
 * server's acceptance and that commit resends the mail with the same Message-ID.
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

  async handle(event: RecordedEvent, tx: Sql): Promise<void> {
    const { mailId } = (event as RecordedEvent<MailQueued>).data;
    const { rows } = await tx.query<MailRow>(
      'select id, to_address, subject, text_body, sent_at from notifications.mails where id = $1 for update',
      [mailId],
    );
    const mail = rows[0];
    if (!mail || mail.sent_at) return;
    await this.mailer.send({
      messageId: `<${mail.id}@orderly.mail>`,
      from: this.config.mailFrom,
      to: mail.to_address,
      subject: mail.subject,
      text: mail.text_body,
    });
    await tx.query('update notifications.mails set sent_at = $2 where id = $1', [mail.id, this.clock.now()]);
  }
}
