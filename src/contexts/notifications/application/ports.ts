/** A mail ready to leave: `messageId` is stable per mail, so a resend after a crash can be recognised by the receiver. */
export type OutgoingMail = { messageId: string; from: string; to: string; subject: string; text: string };

/**
 * Where mails go: SMTP in production, the dev mailbox in the embedded default. `send` resolves once the mail is
 * accepted; infrastructure failures throw (the sender retries, then dead-letters).
 */
export abstract class Mailer {
  abstract send(mail: OutgoingMail): Promise<void>;
}
