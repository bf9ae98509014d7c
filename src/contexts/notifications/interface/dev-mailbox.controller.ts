import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Config } from '../../../platform/config';
import { ApiZodResponse, ValidQuery } from '../../../platform/http/openapi';
import { API_V1, Roles } from '../../../platform/http/request-context';
import { EmailAddress } from '../../../platform/http/text-schemas';
import { DevMailboxMailer } from '../infrastructure/dev-mailbox.mailer';

const MailboxQuery = z
  .object({
    to: EmailAddress.optional().describe('only mails to this address (any letter case)'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const MailboxResponse = z.object({
  enabled: z.boolean().describe('false when mails go to an SMTP server (SMTP_URL is set): then nothing lands here'),
  items: z.array(
    z.object({
      messageId: z.string(),
      from: z.string(),
      to: z.string(),
      subject: z.string(),
      text: z.string(),
      receivedAt: z.iso.datetime(),
    }),
  ),
});

/** What the dev mailbox received (the embedded default sends no real mail), newest first. */
@ApiTags('notifications')
@Controller(`${API_V1}/dev/mailbox`)
@Roles('admin')
export class DevMailboxController {
  constructor(
    private readonly mailbox: DevMailboxMailer,
    private readonly config: Config,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Mails the dev mailbox received, newest first (admin)' })
  @ApiZodResponse(200, MailboxResponse)
  async list(@ValidQuery(MailboxQuery) query: z.infer<typeof MailboxQuery>) {
    return { enabled: !this.config.smtpUrl, items: await this.mailbox.list(query) };
  }
}
