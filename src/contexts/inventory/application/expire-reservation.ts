import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { LogConsumer } from '../../../platform/consumers/log-consumer';
import { type CommandMeta, type RecordedEvent, retryOnConflict, traceOf } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { Clock } from '../../../shared-kernel/clock';
import { expireReservation, type ReservationState } from '../domain/reservation';
import { OrderStock } from './order-stock';

const ExpiryDue = z.object({ orderId: z.string().min(1) });

/**
 * A hold's time is up (the scheduler appended ReservationExpiryDue to `inventory.expiry-<orderId>`): if the order
 * still holds its stock (neither confirmed nor cancelled), it is released with reason `expired`.
 */
@Injectable()
export class ExpireReservationHandler {
  constructor(
    private readonly db: Database,
    private readonly orderStock: OrderStock,
    private readonly clock: Clock,
  ) {}

  execute(command: { orderId: string }, meta: CommandMeta): Promise<ReservationState> {
    return retryOnConflict(() =>
      this.db.transaction((tx) =>
        this.orderStock.decide(tx, command.orderId, (reservation, stocks) => expireReservation(reservation, stocks, command), meta),
      ),
    );
  }

  /**
   * The consumer of due expiries. Each runs in a short transaction of its own, so the stock rows are not held for a
   * whole batch; a repeat after a failed batch is a no-op (the hold is gone, and the event id is the command id).
   */
  readonly expiries: LogConsumer = {
    name: 'inventory.reservation-expiries',
    types: ['ReservationExpiryDue'],
    handle: async (event: RecordedEvent) => {
      if (!event.stream.startsWith('inventory.expiry-')) return;
      const { orderId } = ExpiryDue.parse(event.data);
      const { eventId, correlationId } = event.metadata;
      await this.execute(
        { orderId },
        { commandId: eventId, correlationId, causationId: eventId, ...traceOf(event.metadata), now: this.clock.now() },
      );
    },
  };
}
