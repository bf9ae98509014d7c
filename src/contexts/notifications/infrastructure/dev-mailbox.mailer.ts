import { Injectable } from '@nestjs/common';
import { Database } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { Mailer, type OutgoingMail } from '../application/ports';

export type DevMail = { messageId: string; from: string; to: string; subject: string; text: string; receivedAt: string };

/**
 * The embedded default's mailer: mails land in a table and are listed at `GET /api/v1/dev/mailbox`, so a developer
 * sees what customers would receive without an SMTP server. Keyed by Message-ID, like a real mailbox would dedupe.
 */
@Injectable()
export class DevMailboxMailer extends Mailer {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    super();
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.db.query(
      `insert into notifications.dev_mailbox (message_id, from_address, to_address, subject, text_body, received_at)
       values ($1, $2, $3, $4, $5, $6) on conflict (message_id) do nothing`,
      [mail.messageId, mail.from, mail.to, mail.subject, mail.text, this.clock.now()],
    );
  }

  /** `to`: an address in its canonical form (lower case), as mails are sent to it. */
  async list(query: { to?: string; limit: number }): Promise<DevMail[]> {
    const { rows } = await this.db.query<{
      message_id: string;
      from_address: string;
      to_address: string;
      subject: string;
      text_body: string;
      received_at: Date;
    }>(
      `select message_id, from_address, to_address, subject, text_body, received_at from notifications.dev_mailbox
        where ($1::text is null or to_address = $1) order by received_at desc, message_id limit $2`,
      [query.to ?? null, query.limit],
    );
    return rows.map((r) => ({
      messageId: r.message_id,
      from: r.from_address,
      to: r.to_address,
      subject: r.subject,
      text: r.text_body,
      receivedAt: r.received_at.toISOString(),
    }));
  }
}
