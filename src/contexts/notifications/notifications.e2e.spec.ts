import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrationMessage } from '../../platform/messaging/message-bus';
import { newId } from '../../shared-kernel/ids';
import { bootTestApp, type LoggedIn, type TestApp } from '../../../test/support/app';
import { startSmtpServer } from '../../../test/support/smtp';
import { OrderingMessages } from '../ordering/contracts';
import { OrderMailsSubscriber } from './interface/order-mails.subscriber';

const message = (type: string, data: object): IntegrationMessage => ({
  id: newId(),
  type,
  occurredAt: new Date().toISOString(),
  correlationId: newId(),
  data,
});

const eur = (amount: number) => ({ amount, currency: 'EUR' });

/** The four facts a customer is mailed about, for one order. */
const orderFacts = (customerId: string, orderId = newId()) => [
  message(OrderingMessages.orderConfirmed, {
    orderId,
    customerId,
    total: eur(2500),
    lines: [{ sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: eur(1250) }],
  }),
  message(OrderingMessages.orderShipped, {
    orderId,
    customerId,
    carrier: 'sandbox',
    trackingNumber: 'SBX100200300',
    shippedAt: new Date().toISOString(),
  }),
  message(OrderingMessages.orderCancelled, { orderId, customerId, reason: 'cancelled_by_customer', wasConfirmed: true }),
  message(OrderingMessages.orderRefunded, {
    orderId,
    customerId,
    refundId: newId(),
    amount: eur(2500),
    totalRefunded: eur(2500),
    reason: 'cancellation',
  }),
];

describe('notifications through the dev mailbox (the embedded default)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let customer: LoggedIn;

  beforeAll(async () => {
    t = await bootTestApp();
    admin = await t.registerAndLogin('admin');
    customer = await t.registerAndLogin('customer', { name: 'Ada' });
    await t.drain(); // the registration reaches notifications, which keeps the address
  });
  afterAll(() => t.close());

  const mailbox = async (to = customer.user.email) => {
    const res = await t.inject('GET', '/api/v1/dev/mailbox', { token: admin.token, query: { to } });
    expect(res.statusCode).toBe(200);
    return res.json() as { enabled: boolean; items: { subject: string; text: string; to: string; messageId: string }[] };
  };

  it('mails confirmed, shipped, cancelled and refunded exactly once each, also when every fact is delivered again', async () => {
    const subscriber = t.get(OrderMailsSubscriber);
    const facts = orderFacts(customer.user.id);
    for (const fact of facts) await subscriber.handle(fact);
    for (const fact of facts) await subscriber.handle(fact); // at-least-once delivery: the same messages again
    await t.drain();
    await Promise.all(facts.map((fact) => subscriber.handle(fact))); // and concurrently, after the mails went out
    await t.drain();

    const { enabled, items } = await mailbox();
    expect(enabled).toBe(true);
    expect(items.map((m) => m.subject.replace(/[0-9A-F]{8}/, 'REF')).sort()).toEqual([
      'Order REF cancelled',
      'Order REF confirmed',
      'Order REF shipped',
      'Refund for order REF',
    ]);
    expect(items.every((m) => m.to === customer.user.email)).toBe(true);
    expect(items.find((m) => m.subject.endsWith('shipped'))!.text).toContain('SBX100200300');
    expect(new Set(items.map((m) => m.messageId)).size).toBe(4);
  });

  it('keeps the dev mailbox for admins', async () => {
    const other = await t.registerAndLogin('staff');
    expect((await t.inject('GET', '/api/v1/dev/mailbox', { token: customer.token })).statusCode).toBe(403);
    expect((await t.inject('GET', '/api/v1/dev/mailbox', { token: other.token })).statusCode).toBe(403);
    expect((await t.inject('GET', '/api/v1/dev/mailbox')).statusCode).toBe(401);
    const bad = await t.inject('GET', '/api/v1/dev/mailbox', { token: admin.token, query: { limit: '100000' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });
});

describe('notifications over SMTP', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await bootTestApp({ configOverrides: { smtpUrl: smtp.url } });
  });
  afterEach(() => smtp.received.splice(0));
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('sends one mail per fact to the SMTP server, none to the dev mailbox', async () => {
    const customer = await t.registerAndLogin('customer', { name: 'Grace' });
    await t.drain();
    const subscriber = t.get(OrderMailsSubscriber);
    const [confirmed] = orderFacts(customer.user.id);
    await subscriber.handle(confirmed);
    await t.drain();
    await subscriber.handle(confirmed);
    await t.drain();

    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatch(new RegExp(`^To: ${customer.user.email.replace('.', '\\.')}$`, 'im'));
    expect(smtp.received[0]).toMatch(/^Subject: Order [0-9A-F]{8} confirmed$/im);
    expect(smtp.received[0]).toContain('Hello Grace');

    const admin = await t.registerAndLogin('admin');
    const res = await t.inject('GET', '/api/v1/dev/mailbox', { token: admin.token });
    expect(res.json()).toEqual({ enabled: false, items: [] });
  });
});
