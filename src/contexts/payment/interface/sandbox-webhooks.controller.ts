import { Controller, HttpCode, Post, type RawBodyRequest, Req } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Config } from '../../../platform/config';
import type { CommandMeta } from '../../../platform/event-store/event-store';
import { ApiProblems, ApiZodBody, ApiZodResponse } from '../../../platform/http/openapi';
import { API_V1, Meta, Public, RateLimitExempt } from '../../../platform/http/request-context';
import { SIGNATURE_HEADER, verifyWebhook } from '../../../platform/http/webhook-signature';
import { RecordProviderReportHandler } from '../application/record-provider-report';
import { INVALID_WEBHOOK, parseSandboxWebhook, SandboxWebhookEvent } from '../infrastructure/sandbox.webhooks';

const ReceivedSchema = z.object({ received: z.literal(true) });

/**
 * The sandbox provider's webhooks. Verified over the raw body before anything is read; each event id is applied
 * once (a replay answers 200 and does nothing). The provider redelivers every answer that is not 2xx, so what cannot
 * be applied yet (an unknown payment: 404; a report out of order: 409) is refused without a trace and decided again
 * on redelivery. No Idempotency-Key: the event id is the idempotency key, and a stored 404 must not be replayed to
 * the provider's retries.
 */
@ApiTags('payment')
@Controller(`${API_V1}/payments/webhooks`)
export class SandboxWebhooksController {
  constructor(
    private readonly config: Config,
    private readonly record: RecordProviderReportHandler,
  ) {}

  @Post('sandbox')
  @Public()
  // machine to machine: a limit would only delay real deliveries (answers that are not 2xx are redelivered), and a
  // forged event is refused by the HMAC check, which costs less than counting it would
  @RateLimitExempt()
  @HttpCode(200)
  @ApiOperation({ summary: "The sandbox payment provider's signed webhook events (authorized, declined, captured, voided, refunded)" })
  @ApiHeader({ name: SIGNATURE_HEADER, required: true, description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">' })
  @ApiZodBody(SandboxWebhookEvent)
  @ApiZodResponse(200, ReceivedSchema, 'applied, already known, or a type the payment context does not act on')
  @ApiProblems({
    400: [INVALID_WEBHOOK],
    401: ['payment.webhook_signature_invalid', 'payment.webhook_stale'],
    404: ['payment.payment_not_found'],
    409: ['payment.webhook_not_applicable', 'payment.capture_exceeds_authorization'],
  })
  async sandbox(@Req() request: RawBodyRequest<FastifyRequest>, @Meta() meta: CommandMeta): Promise<z.infer<typeof ReceivedSchema>> {
    verifyWebhook({
      secret: this.config.paymentWebhookSecret,
      header: request.headers[SIGNATURE_HEADER],
      rawBody: request.rawBody,
      now: meta.now,
      toleranceS: this.config.webhookToleranceS,
      invalidCode: 'payment.webhook_signature_invalid',
      staleCode: 'payment.webhook_stale',
    });
    const event = parseSandboxWebhook(request.body);
    if (event) await this.record.execute(event, meta);
    return { received: true };
  }
}
