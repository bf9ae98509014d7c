import { Body, Controller, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Config } from '../../../platform/config';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodBody, ApiZodResponse } from '../../../platform/http/openapi';
import { Meta, Public, API_V1, RateLimitExempt } from '../../../platform/http/request-context';
import { SIGNATURE_HEADER, verifyWebhook } from '../../../platform/http/webhook-signature';
import { ZodPipe } from '../../../platform/http/zod.pipe';
import { RecordTrackingEventHandler } from '../application/record-tracking-event';
import { TrackingEventBody } from './shipping.schemas';

const TrackingEventReceived = z.object({ received: z.literal(true), duplicate: z.boolean() });

const parseEvent = new ZodPipe(TrackingEventBody, 'shipping.invalid_tracking_event');

/**
 * The sandbox carrier's tracking events. Public but signed (`X-Sandbox-Signature`, see webhook-signature.ts): the
 * signature is checked over the raw bytes before the body is read. Each event id is applied once; a resent event
 * answers 200 with `duplicate: true`, so the carrier stops resending it.
 */
@Controller(`${API_V1}/shipping/webhooks`)
export class SandboxWebhookController {
  constructor(
    private readonly config: Config,
    private readonly recordTrackingEvent: RecordTrackingEventHandler,
  ) {}

  @Post('sandbox')
  @Public()
  // machine to machine: a limit would only delay real deliveries (answers that are not 2xx are resent), and a forged
  // event is refused by the HMAC check, which costs less than counting it would
  @RateLimitExempt()
  // no Idempotency-Key: the event id is the key (inbox), and a stored 404 or 401 must never answer the carrier's retry
  @HttpCode(200)
  @ApiOperation({ summary: 'Tracking events from the sandbox carrier (signed)' })
  @ApiZodBody(TrackingEventBody)
  @ApiZodResponse(200, TrackingEventReceived, 'recorded, or already known (`duplicate`)')
  @ApiProblems(
    { 400: ['shipping.invalid_tracking_event'] },
    { 401: ['shipping.webhook_signature_invalid', 'shipping.webhook_stale'] },
    { 404: ['shipping.shipment_not_found'] },
  )
  async receive(@Req() request: RawBodyRequest<FastifyRequest>, @Body() body: unknown, @Meta() meta: CommandMeta) {
    verifyWebhook({
      secret: this.config.carrierWebhookSecret,
      header: request.headers[SIGNATURE_HEADER],
      rawBody: request.rawBody,
      now: meta.now,
      toleranceS: this.config.webhookToleranceS,
      invalidCode: 'shipping.webhook_signature_invalid',
      staleCode: 'shipping.webhook_stale',
    });
    const event = parseEvent.transform(body);
    const { duplicate } = await this.recordTrackingEvent.execute(
      {
        carrier: 'sandbox',
        eventId: event.id,
        trackingNumber: event.trackingNumber,
        status: event.status,
        occurredAt: new Date(event.occurredAt),
      },
      meta,
    );
    return { received: true, duplicate };
  }
}
