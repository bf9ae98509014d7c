import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { type CommandMeta, EventStore, metaForStream } from '../../../platform/event-store/event-store';
import { Database } from '../../../platform/persistence/database';
import { Conflict, InvalidInput } from '../../../shared-kernel/errors';
import { canonicalCountryCode, LOWER_CASE_CODE, TRACKING_NUMBER } from '../../../shared-kernel/identifiers';
import { newId } from '../../../shared-kernel/ids';
import { POSTAL_ADDRESS_TEXT } from '../../../shared-kernel/postal-address';
import { displayLine } from '../../../shared-kernel/text';
import { type DispatchRequest, Shipments } from '../contracts';
import { AlreadyDispatched, dispatch, shipmentDecider, shipmentStream } from '../domain/shipment';
import { Carriers } from './ports';
import { findOrderByTrackingNumber } from './shipments.projection';

/**
 * An address line as the parcel label shows it: the order's address is a fact (checked at checkout since the text
 * policy, maybe not before), so refused characters become spaces here rather than failing the dispatch.
 */
const labelLine = (field: keyof typeof POSTAL_ADDRESS_TEXT) =>
  z.string().overwrite(displayLine).min(POSTAL_ADDRESS_TEXT[field].min).max(POSTAL_ADDRESS_TEXT[field].max);

/** Ordering's request, checked as any input from outside the context. */
const DispatchRequestSchema = z.object({
  orderId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
  carrier: z.string().max(50).regex(LOWER_CASE_CODE.pattern),
  trackingNumber: z.string().regex(TRACKING_NUMBER.pattern),
  address: z.object({
    name: labelLine('name'),
    line1: labelLine('line1'),
    line2: z
      .string()
      .overwrite(displayLine)
      .max(POSTAL_ADDRESS_TEXT.line2.max)
      .optional()
      .transform((line) => line || undefined),
    city: labelLine('city'),
    postalCode: labelLine('postalCode'),
    country: z.string().refine((c) => canonicalCountryCode(c) === c, 'an ISO 3166-1 alpha-2 country code'),
  }),
});

const trackingNumberInUse = (trackingNumber: string) =>
  new Conflict('shipping.tracking_number_in_use', 'this tracking number belongs to another order', { trackingNumber });

/**
 * Shipments: hands an order's parcel to its carrier, then records ShipmentDispatched (published as
 * `shipping.shipment-dispatched.v1`). A repeat with the same carrier and tracking number answers the same shipment
 * without asking the carrier again; anything else for a dispatched order is refused.
 */
@Injectable()
export class DispatchShipmentHandler extends Shipments {
  constructor(
    private readonly db: Database,
    private readonly events: EventStore,
    private readonly carriers: Carriers,
  ) {
    super();
  }

  async checkDispatch({
    orderId,
    carrier,
    trackingNumber,
  }: Pick<DispatchRequest, 'orderId' | 'carrier' | 'trackingNumber'>): Promise<void> {
    this.carriers.get(carrier);
    const owner = await findOrderByTrackingNumber(this.db, carrier, trackingNumber);
    if (owner !== null && owner !== orderId) throw trackingNumberInUse(trackingNumber);
  }

  async dispatch(request: DispatchRequest, meta: CommandMeta): Promise<{ shipmentId: string }> {
    const parsed = DispatchRequestSchema.safeParse(request);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join('.'));
      throw new InvalidInput('shipping.invalid_dispatch_request', 'the dispatch request is not valid', { fields });
    }
    const cmd = parsed.data;
    const carrier = this.carriers.get(cmd.carrier);
    const stream = shipmentStream(cmd.orderId);

    const { state } = await this.events.aggregate(stream, shipmentDecider);
    if (state.status !== 'none') {
      if (state.carrier === cmd.carrier && state.trackingNumber === cmd.trackingNumber) return { shipmentId: state.shipmentId };
      throw new AlreadyDispatched(cmd.orderId);
    }
    await this.checkDispatch(cmd);
    await carrier.register(cmd);
    try {
      const result = await this.events.decide(
        stream,
        shipmentDecider,
        (s) => dispatch(s, { ...cmd, shipmentId: newId(), now: meta.now }),
        metaForStream(meta, stream),
      );
      if (result.state.status === 'none') throw new Error(`shipment ${cmd.orderId} not recorded`);
      return { shipmentId: result.state.shipmentId };
    } catch (error) {
      // a concurrent dispatch of another order took this parcel first (unique key of the inline projection)
      if ((error as { constraint?: string }).constraint === 'shipments_tracking_number_key') throw trackingNumberInUse(cmd.trackingNumber);
      throw error;
    }
  }
}
