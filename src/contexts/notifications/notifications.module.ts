import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Config } from '../../platform/config';
import { LogConsumers } from '../../platform/consumers/log-consumer';
import { MailSender } from './application/mail-sender';
import { Mailer } from './application/ports';
import { QueueOrderMailHandler } from './application/queue-order-mail';
import { DevMailboxMailer } from './infrastructure/dev-mailbox.mailer';
import { SmtpMailer } from './infrastructure/smtp.mailer';
import { DevMailboxController } from './interface/dev-mailbox.controller';
import { OrderMailsSubscriber } from './interface/order-mails.subscriber';

/** notifications: mails to customers about their orders, through the Mailer port (SMTP, or the dev mailbox). */
@Module({
  controllers: [DevMailboxController],
  providers: [
    QueueOrderMailHandler,
    MailSender,
    OrderMailsSubscriber,
    DevMailboxMailer,
    {
      provide: Mailer,
      inject: [Config, DevMailboxMailer],
      useFactory: (config: Config, devMailbox: DevMailboxMailer): Mailer => (config.smtpUrl ? new SmtpMailer(config.smtpUrl) : devMailbox),
    },
  ],
})
export class NotificationsModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly consumers: LogConsumers,
    private readonly sender: MailSender,
    private readonly subscriber: OrderMailsSubscriber,
  ) {}

  onModuleInit(): void {
    this.consumers.register(this.sender);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.subscriber.subscribe();
  }
}
