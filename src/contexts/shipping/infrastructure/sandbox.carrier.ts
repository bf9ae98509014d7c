import { Injectable } from '@nestjs/common';
import { signWebhook } from '../../../platform/http/webhook-signature';
import type { TrackingStatus } from '../domain/shipment';
import { Carrier, type ParcelRegistration, TrackingNumberRefused } from '../application/ports';

/** `SBX` and nine digits, e.g. `SBX000000042`: the only tracking numbers the sandbox carrier accepts. */
export const SANDBOX_TRACKING_NUMBER = /^SBX\d{9}$/;

/** The sandbox carrier's tracking number for `n` (0 ≤ n < 10^9). */
export const sandboxTrackingNumber = (n: number): string => `SBX${String(n).padStart(9, '0')}`;

/**
 * The carrier of development, tests and demos (name `sandbox`). Deterministic and without state: it accepts every
 * well-formed tracking number and refuses the rest; its tracking events are the signed webhooks that
 * `sandboxTrackingEvent` builds.
 */
@Injectable()
export class SandboxCarrier extends Carrier {
  readonly name = 'sandbox';

  async register(parcel: ParcelRegistration): Promise<void> {
    if (!SANDBOX_TRACKING_NUMBER.test(parcel.trackingNumber)) {
      throw new TrackingNumberRefused('sandbox tracking numbers are SBX followed by nine digits', {
        trackingNumber: parcel.trackingNumber,
      });
    }
  }
}

export type SandboxTrackingEvent = { id: string; trackingNumber: string; status: TrackingStatus; occurredAt: string };

/**
 * A tracking event as the sandbox carrier posts it to `POST /api/v1/shipping/webhooks/sandbox`: the JSON body and
 * its headers, signed with `secret` (config.carrierWebhookSecret) at `signedAt` (defaults to `occurredAt`).
 */
export const sandboxTrackingEvent = (
  secret: string,
  event: SandboxTrackingEvent,
  signedAt: Date = new Date(event.occurredAt),
): { body: string; headers: Record<string, string> } => {
  const body = JSON.stringify(event);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-sandbox-signature': signWebhook(secret, body, Math.floor(signedAt.getTime() / 1000)),
    },
  };
};
