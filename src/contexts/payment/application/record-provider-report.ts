import { Injectable } from '@nestjs/common';
import { type CommandMeta, EventStore } from '../../../platform/event-store/event-store';
import { Inbox } from '../../../platform/messaging/message-bus';
import { paymentDecider, paymentStream } from '../domain/payment';
import { type ProviderReport, reconcile } from '../domain/provider-report';

/** One event the provider sent (a verified webhook): its id is the provider's, unique per event. */
export type RecordProviderReport = { eventId: string; orderId: string; report: ProviderReport };

export const PROVIDER_WEBHOOKS_SUBSCRIBER = 'payment.provider-webhooks';

/**
 * Applies a provider event once per event id (the inbox row commits with the events), through the same decider as
 * the provider's synchronous answers. A refusal (unknown payment, a report that cannot follow yet) rolls everything
 * back, so the provider's redelivery is decided again. Returns false for an event id processed before.
 */
@Injectable()
export class RecordProviderReportHandler {
  constructor(
    private readonly events: EventStore,
    private readonly inbox: Inbox,
  ) {}

  execute(cmd: RecordProviderReport, meta: CommandMeta): Promise<boolean> {
    return this.inbox.handleOnce(PROVIDER_WEBHOOKS_SUBSCRIBER, cmd.eventId, async (tx) => {
      await this.events.decide(
        paymentStream(cmd.orderId),
        paymentDecider,
        (state) => reconcile(state, { orderId: cmd.orderId, report: cmd.report }),
        { ...meta, commandId: `${cmd.eventId}:payment.webhook` },
        { tx },
      );
    });
  }
}
