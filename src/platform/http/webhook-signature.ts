import { createHmac, timingSafeEqual } from 'node:crypto';
import { Unauthorized } from '../../shared-kernel/errors';

/**
 * Signed provider webhooks (the sandbox payment provider and the sandbox carrier): the header
 * `X-Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, as Stripe signs its webhooks.
 * The timestamp is inside the signature, so a captured request cannot be replayed once it is older than the tolerance.
 */
export const SIGNATURE_HEADER = 'x-sandbox-signature';

export class WebhookSignatureInvalid extends Unauthorized {}

/** The header value a provider sends for `rawBody` at `timestamp` (seconds): used by the sandboxes and tests. */
export const signWebhook = (secret: string, rawBody: string | Buffer, timestamp: number): string => {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `t=${timestamp},v1=${v1}`;
};

/**
 * Throws `invalidCode` (401, e.g. `payment.webhook_signature_invalid`) for a missing, malformed or wrong signature,
 * and `staleCode` (401, e.g. `payment.webhook_stale`) when the signed timestamp is more than `toleranceS` away from
 * `now`.
 */
export const verifyWebhook = (options: {
  secret: string;
  header: string | string[] | undefined;
  rawBody: Buffer | undefined;
  now: Date;
  toleranceS: number;
  invalidCode: string;
  staleCode: string;
}): void => {
  const { secret, rawBody, now, toleranceS, invalidCode, staleCode } = options;
  const header = Array.isArray(options.header) ? options.header[0] : options.header;
  const invalid = () => new WebhookSignatureInvalid(invalidCode, 'the webhook signature is missing or wrong');
  if (!header || !rawBody || header.length > 1000) throw invalid();
  const parts = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) throw invalid();
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) throw invalid();
  if (Math.abs(now.getTime() / 1000 - Number(t)) > toleranceS) {
    throw new WebhookSignatureInvalid(staleCode, `the webhook timestamp is more than ${toleranceS} s away from now`);
  }
};
