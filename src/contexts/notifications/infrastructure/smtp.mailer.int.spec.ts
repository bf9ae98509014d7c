import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer } from '../../../../test/support/smtp';
import { SmtpMailer } from './smtp.mailer';

describe('SmtpMailer against a real SMTP server', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(() => smtp.stop());

  it('delivers the mail with its Message-ID, sender, recipient and subject', async () => {
    const mailer = new SmtpMailer(smtp.url);
    await mailer.send({
      messageId: '<mail-1@orderly.mail>',
      from: 'Orderly <orders@orderly.local>',
      to: 'ada@example.com',
      subject: 'Order 0190F0AA confirmed',
      text: 'Hello Ada,\n\nTotal: 25.00 EUR',
    });
    mailer.onApplicationShutdown();
    expect(smtp.received).toHaveLength(1);
    const raw = smtp.received[0];
    expect(raw).toMatch(/^Message-ID: <mail-1@orderly\.mail>$/im);
    expect(raw).toMatch(/^To: ada@example\.com$/im);
    expect(raw).toMatch(/^Subject: Order 0190F0AA confirmed$/im);
    expect(raw).toContain('Total: 25.00 EUR');
  });

  it('reports an unreachable server as an outage (waited out, never dead-lettered)', async () => {
    const down = await startSmtpServer();
    await down.stop();
    const mailer = new SmtpMailer(down.url);
    await expect(
      mailer.send({ messageId: '<mail-2@orderly.mail>', from: 'orders@orderly.local', to: 'ada@example.com', subject: 's', text: 't' }),
    ).rejects.toMatchObject({ kind: 'unavailable', code: 'notifications.mailer_unavailable' });
    mailer.onApplicationShutdown();
  });
});
