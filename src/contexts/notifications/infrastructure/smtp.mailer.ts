import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { Unavailable } from '../../../shared-kernel/errors';
import { Mailer, type OutgoingMail } from '../application/ports';

/** Codes nodemailer and Node use when the server cannot be reached or drops the connection. */
const UNREACHABLE = new Set(['ECONNECTION', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'EDNS', 'ESOCKET', 'EHOSTUNREACH']);

/** Mailer over SMTP (nodemailer), e.g. `SMTP_URL=smtp://user:pass@mail.example.com:587?pool=true`. */
@Injectable()
export class SmtpMailer extends Mailer implements OnApplicationShutdown {
  private readonly transport: Transporter;

  constructor(smtpUrl: string) {
    super();
    // options may ride on the URL (`?pool=true`, `?secure=true`); a hung server must not hold a consumer forever
    const url = new URL(smtpUrl);
    if (!url.searchParams.has('connectionTimeout')) url.searchParams.set('connectionTimeout', '10000');
    if (!url.searchParams.has('socketTimeout')) url.searchParams.set('socketTimeout', '20000');
    this.transport = createTransport(url.toString());
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transport.sendMail({ messageId: mail.messageId, from: mail.from, to: mail.to, subject: mail.subject, text: mail.text });
    } catch (error) {
      const code = (error as { code?: string }).code;
      // an unreachable server is an outage (waited out); a refused mail is a failure of this mail (retried, then dead-lettered)
      if (code && UNREACHABLE.has(code)) {
        throw Object.assign(new Unavailable('notifications.mailer_unavailable', 'the SMTP server cannot be reached'), { cause: error });
      }
      throw error;
    }
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
