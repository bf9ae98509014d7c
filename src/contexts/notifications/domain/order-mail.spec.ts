import { describe, expect, it } from 'vitest';
import { hasForbiddenCharacter } from '../../../shared-kernel/text';
import { composeOrderMail, formatMoney, type OrderMailFact } from './order-mail';

const ada = { email: 'ada@example.com', name: 'Ada' };
const orderId = '0190f0aa-1111-7000-8000-000000000001';

describe('order mails', () => {
  it('formats minor units with their currency', () => {
    expect(formatMoney({ amount: 123456, currency: 'EUR' })).toBe('1234.56 EUR');
    expect(formatMoney({ amount: 5, currency: 'USD' })).toBe('0.05 USD');
    expect(formatMoney({ amount: -250, currency: 'GBP' })).toBe('-2.50 GBP');
  });

  it('confirms with the lines and the total', () => {
    const mail = composeOrderMail(
      {
        kind: 'order_confirmed',
        orderId,
        total: { amount: 2500, currency: 'EUR' },
        lines: [{ name: 'Mug', quantity: 2, unitPrice: { amount: 1250, currency: 'EUR' } }],
      },
      ada,
    );
    expect(mail).toMatchObject({ to: 'ada@example.com', subject: 'Order 0190F0AA confirmed' });
    expect(mail.text).toContain('2 × Mug at 12.50 EUR');
    expect(mail.text).toContain('Total: 25.00 EUR');
  });

  it('names the carrier and tracking number of a shipment', () => {
    const mail = composeOrderMail({ kind: 'order_shipped', orderId, carrier: 'sandbox', trackingNumber: 'SBX123' }, ada);
    expect(mail.text).toContain('sandbox');
    expect(mail.text).toContain('SBX123');
  });

  it('explains known cancellation reasons and passes unknown ones through', () => {
    expect(composeOrderMail({ kind: 'order_cancelled', orderId, reason: 'payment_declined' }, ada).text).toContain(
      'the payment was declined',
    );
    expect(composeOrderMail({ kind: 'order_cancelled', orderId, reason: 'fraud_suspected' }, ada).text).toContain('fraud suspected');
  });

  it('states the refund and the total refunded', () => {
    const mail = composeOrderMail(
      { kind: 'order_refunded', orderId, amount: { amount: 500, currency: 'EUR' }, totalRefunded: { amount: 1500, currency: 'EUR' } },
      ada,
    );
    expect(mail.subject).toBe('Refund for order 0190F0AA');
    expect(mail.text).toContain('5.00 EUR');
    expect(mail.text).toContain('15.00 EUR in total');
  });

  it('keeps names, carriers and ids from adding header or body lines of their own', () => {
    const mallory = { email: 'mallory@example.com', name: 'Mallory\r\nBcc: everyone@example.com\u202E' };
    const facts: OrderMailFact[] = [
      { kind: 'order_cancelled', orderId: '0190\r\nBcc: x@example.com', reason: 'odd\nSubject: hi' },
      {
        kind: 'order_confirmed',
        orderId,
        total: { amount: 100, currency: 'EUR' },
        lines: [{ name: 'Mug\r\n\r\nClick https://evil.example', quantity: 1, unitPrice: { amount: 100, currency: 'EUR' } }],
      },
      { kind: 'order_shipped', orderId, carrier: 'sandbox\u001b[2J', trackingNumber: 'SBX1\nBcc: y@example.com' },
    ];
    for (const fact of facts) {
      const mail = composeOrderMail(fact, mallory);
      expect(hasForbiddenCharacter(mail.subject, 'line')).toBe(false);
      expect(hasForbiddenCharacter(mail.text, 'multiline')).toBe(false);
      expect(mail.text.split('\n').filter((line) => /^(Bcc|Subject):|^Click/.test(line))).toEqual([]);
    }
    expect(composeOrderMail(facts[0], mallory).text).toContain('Hello Mallory Bcc: everyone@example.com,');
  });
});
