import { beforeAll, describe, expect, it } from 'vitest';
import { migratedDatabase, testServers } from '../../../../test/support/db';
import type { Config } from '../../../platform/config';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import type { PgDatabase } from '../../../platform/persistence/pg.database';
import { ManualClock } from '../../../shared-kernel/clock';
import { newId } from '../../../shared-kernel/ids';
import { notificationsMigrations } from '../infrastructure/migrations';
import { MailSender } from './mail-sender';
import { Mailer, type OutgoingMail } from './ports';

/** A mail server that accepts mails until it is told to refuse one. */
class ScriptedMailer extends Mailer {
  accepted: string[] = [];
  refuse?: string;
  async send(mail: OutgoingMail): Promise<void> {
    if (mail.to === this.refuse) throw new Error('mail server unavailable');
    this.accepted.push(mail.to);
  }
}

describe.each(testServers())('MailSender on $name PostgreSQL', (server) => {
  let db: PgDatabase;
  const suite = migratedDatabase(server, notificationsMigrations);
  beforeAll(() => {
    db = suite.db;
  });

  const queue = async (to: string, sentAt: Date | null = null): Promise<RecordedEvent> => {
    const id = newId();
    await db.query(
      `insert into notifications.mails (id, fact_id, kind, to_address, subject, text_body, queued_at, sent_at)
       values ($1, $2, 'order_confirmed', $3, 'Your order', 'Thank you', now(), $4)`,
      [id, newId(), to, sentAt],
    );
    return {
      type: 'MailQueued',
      data: { mailId: id },
      stream: `notifications.mail-${id}`,
      version: 1,
      globalPosition: '1',
    } as unknown as RecordedEvent;
  };
  const sentAt = async (event: RecordedEvent) =>
    (
      await db.query<{ sent_at: Date | null }>('select sent_at from notifications.mails where id = $1', [
        (event.data as { mailId: string }).mailId,
      ])
    ).rows[0].sent_at;

  it('sends a batch and marks it sent together; a mail already sent is not sent again; a failure marks nothing', async () => {
    const mailer = new ScriptedMailer();
    const sender = new MailSender(mailer, { mailFrom: 'shop@example.com' } as Config, new ManualClock());
    const batch = [await queue('ada@example.com'), await queue('grace@example.com', new Date()), await queue('linus@example.com')];

    mailer.refuse = 'linus@example.com';
    await expect(db.transaction((tx) => sender.handleBatch(batch, tx))).rejects.toThrow('mail server unavailable');
    expect([await sentAt(batch[0]), await sentAt(batch[2])]).toEqual([null, null]);

    // the batch comes again: ada's mail goes out a second time, with the same Message-ID (the receiver recognises it)
    mailer.refuse = undefined;
    await db.transaction((tx) => sender.handleBatch(batch, tx));
    expect(mailer.accepted).toEqual(['ada@example.com', 'ada@example.com', 'linus@example.com']);
    expect((await Promise.all(batch.map(sentAt))).every((at) => at !== null)).toBe(true);

    await db.transaction((tx) => sender.handleBatch(batch, tx));
    expect(mailer.accepted).toHaveLength(3);
  });
});
