import { Unprocessable } from '../../../shared-kernel/errors';
import type { Address } from '../domain/shipment';

export type ParcelRegistration = { orderId: string; trackingNumber: string; address: Address };

/** 422: the carrier will not accept this tracking number (malformed, or not one it issued). */
export class TrackingNumberRefused extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('shipping.tracking_number_refused', message, details);
  }
}

/** 422: no carrier adapter has this name. */
export class UnknownCarrier extends Unprocessable {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('shipping.unknown_carrier', message, details);
  }
}

/**
 * A carrier the shop hands parcels to, one adapter per carrier (`infrastructure/<name>.carrier.ts`). `register`
 * announces a parcel under its tracking number; it must be idempotent per tracking number (a dispatch may be
 * retried) and throws TrackingNumberRefused for a number the carrier will not take; infrastructure failures throw.
 *
 * Adding a real carrier: write its adapter, add it to the `Carriers` list in ShippingModule (its `name` is what
 * `Shipments.dispatch` takes as `carrier`), and give it a webhook route of its own
 * (`interface/<name>-webhook.controller.ts`) that verifies that carrier's signature and turns its payload into
 * RecordTrackingEvent. Shipments, their events and the rest of the context stay as they are.
 */
export abstract class Carrier {
  abstract readonly name: string;
  abstract register(parcel: ParcelRegistration): Promise<void>;
}

/** Every carrier adapter of the app, by name. */
export class Carriers {
  private readonly byName: ReadonlyMap<string, Carrier>;

  constructor(carriers: readonly Carrier[]) {
    this.byName = new Map(carriers.map((carrier) => [carrier.name, carrier]));
  }

  get(name: string): Carrier {
    const carrier = this.byName.get(name);
    if (!carrier) throw new UnknownCarrier(`no carrier is called ${name}`, { carrier: name, known: [...this.byName.keys()] });
    return carrier;
  }
}
