import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SIGNATURE_HEADER, signWebhook } from '../../../platform/http/webhook-signature';
import { ZodPipe } from '../../../platform/http/zod.pipe';
import type { RecordProviderReport } from '../application/record-provider-report';

/*
 * The sandbox provider's webhooks, in its own vocabulary: `{id, type, created, data}` with amounts in minor units and
 * the payment id (our order id). This file is the only place that vocabulary is translated into ours.
 */

const EventId = z.string().regex(/^evt_[A-Za-z0-9_-]{1,100}$/, 'an event id evt_…');
const Created = z.number().int().nonnegative().max(1e11).describe('unix seconds');
const PaymentId = z.string().min(1).max(100);
const ProviderRef = z.string().min(1).max(200);
const Minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Currency = z.string().regex(/^[A-Z]{3}$/);
const event = <T extends string, D extends z.ZodRawShape>(type: T, data: D) =>
  z.object({ id: EventId, type: z.literal(type), created: Created, data: z.object({ paymentId: PaymentId, ...data }).strict() }).strict();

/** The events the payment context acts on; the provider may send other types, which are acknowledged and ignored. */
export const SandboxWebhookEvent = z.discriminatedUnion('type', [
  event('payment.authorized', { providerRef: ProviderRef, amount: Minor, currency: Currency }),
  event('payment.declined', { reason: z.string().min(1).max(200), amount: Minor.optional(), currency: Currency.optional() }),
  event('payment.captured', { providerRef: ProviderRef, amount: Minor, currency: Currency }),
  event('payment.voided', { providerRef: ProviderRef.optional(), amount: Minor.optional(), currency: Currency.optional() }),
  event('payment.refunded', { providerRef: ProviderRef, refundId: z.string().min(1).max(200), amount: Minor, currency: Currency }),
]);
export type SandboxWebhookEvent = z.infer<typeof SandboxWebhookEvent>;
export type SandboxWebhookType = SandboxWebhookEvent['type'];

const KNOWN_TYPES = new Set<string>(SandboxWebhookEvent.options.map((o) => o.shape.type.value));
const AnyEvent = z
  .object({ id: EventId, type: z.string().regex(/^[a-z][a-z0-9_.]{0,99}$/), created: Created, data: z.looseObject({}) })
  .strict();

export const INVALID_WEBHOOK = 'payment.invalid_webhook';

/**
 * Parses a verified webhook body: what to record, or null for an event type the payment context does not act on.
 * A malformed body is a 400 `payment.invalid_webhook` (problem+json listing each issue).
 */
export const parseSandboxWebhook = (body: unknown): RecordProviderReport | null => {
  const envelope = new ZodPipe(AnyEvent, INVALID_WEBHOOK).transform(body);
  if (!KNOWN_TYPES.has(envelope.type)) return null;
  const parsed = new ZodPipe(SandboxWebhookEvent, INVALID_WEBHOOK).transform(body);
  const base = { eventId: parsed.id, orderId: parsed.data.paymentId };
  switch (parsed.type) {
    case 'payment.authorized': {
      const { providerRef, amount, currency } = parsed.data;
      return { ...base, report: { type: 'authorized', providerRef, amount: { amount, currency } } };
    }
    case 'payment.declined':
      return { ...base, report: { type: 'declined', reason: parsed.data.reason } };
    case 'payment.captured':
      return { ...base, report: { type: 'captured', amount: { amount: parsed.data.amount, currency: parsed.data.currency } } };
    case 'payment.voided':
      return { ...base, report: { type: 'voided' } };
    case 'payment.refunded': {
      const { refundId, amount, currency } = parsed.data;
      return { ...base, report: { type: 'refunded', refundId, amount: { amount, currency } } };
    }
  }
};

/** The sandbox's id of the event reporting one fact: the same fact always has the same id, so a resend is a replay. */
export const sandboxEventId = (paymentId: string, type: SandboxWebhookType, refundId = ''): string =>
  `evt_${createHash('sha256').update(`${paymentId}\u0000${type}\u0000${refundId}`).digest('hex').slice(0, 32)}`;

/**
 * The request the sandbox provider sends for `event`: the JSON body and its headers, signed with `secret` at `now`
 * (`X-Sandbox-Signature`). Used by tests and demo data to deliver what the sandbox recorded.
 */
export const sandboxWebhookFor = (
  event: SandboxWebhookEvent,
  options: { secret: string; now: Date },
): { body: string; headers: Record<string, string> } => {
  const body = JSON.stringify(event);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signWebhook(options.secret, body, Math.floor(options.now.getTime() / 1000)),
    },
  };
};
