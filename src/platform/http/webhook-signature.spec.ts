import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, WebhookSignatureInvalid } from './webhook-signature';

const secret = 'whsec_test_0123456789abcdef';
const body = Buffer.from('{"id":"evt_1","type":"payment.captured"}');
const now = new Date('2026-03-01T12:00:00Z');
const t = Math.floor(now.getTime() / 1000);
const verify = (header: string | undefined, rawBody: Buffer | undefined = body, at = now) =>
  verifyWebhook({
    secret,
    header,
    rawBody,
    now: at,
    toleranceS: 300,
    invalidCode: 'payment.webhook_signature_invalid',
    staleCode: 'payment.webhook_stale',
  });

describe('webhook signatures', () => {
  it('accepts what the provider signed', () => {
    expect(() => verify(signWebhook(secret, body, t))).not.toThrow();
  });

  it.each([
    ['no header', undefined],
    ['garbage', 'nonsense'],
    ['another secret', signWebhook('another-secret-0123456789', body, t)],
    ['a short digest', `t=${t},v1=abcd`],
  ])('refuses %s', (_, header) => {
    expect(() => verify(header)).toThrow(expect.objectContaining({ code: 'payment.webhook_signature_invalid', kind: 'unauthorized' }));
  });

  it('refuses a body changed after signing', () => {
    expect(() => verify(signWebhook(secret, body, t), Buffer.from('{"id":"evt_1","type":"payment.refunded"}'))).toThrow(
      WebhookSignatureInvalid,
    );
  });

  it('refuses a signature older than the tolerance, even if valid', () => {
    expect(() => verify(signWebhook(secret, body, t - 301))).toThrow(expect.objectContaining({ code: 'payment.webhook_stale' }));
  });
});
