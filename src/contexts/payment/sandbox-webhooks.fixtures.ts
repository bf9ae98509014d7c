import { expect } from 'vitest';
import { bootTestApp, type LoggedIn } from '../../../test/support/app';
import type { ConfigValues } from '../../platform/config';
import { type IntegrationMessage, MessageBus } from '../../platform/messaging/message-bus';
import { Database } from '../../platform/persistence/database';
import { newId } from '../../shared-kernel/ids';
import { PaymentGateway } from './application/ports';
import { PaymentMessages } from './contracts';
import { SandboxPaymentGateway } from './infrastructure/sandbox.payment-gateway';
import { sandboxEventId, type SandboxWebhookEvent, sandboxWebhookFor } from './infrastructure/sandbox.webhooks';
export const WEBHOOK = '/api/v1/payments/webhooks/sandbox';
const address = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };

type Entry = { kind: string; amount: number | null; refundId: string | null };
type Payment = { status: string; captured: number; refunded: number; entries: Entry[] };

/** An app with a catalog, free shipping and a staff member; checks out orders and delivers the sandbox's webhooks. */
export const shop = async (configOverrides: Partial<ConfigValues>) => {
  const t = await bootTestApp({ configOverrides });
  const admin = await t.registerAndLogin('admin');
  const staff = await t.registerAndLogin('staff');
  const db = t.get(Database);
  const sandbox = t.get(PaymentGateway) as SandboxPaymentGateway;
  expect((await t.inject('POST', '/api/v1/categories', { token: admin.token, body: { slug: 'mugs', name: 'Mugs' } })).statusCode).toBe(201);
  const standard = { code: 'standard', name: 'Standard', countries: 'all', currency: 'EUR', rate: { type: 'flat', amount: 0 } };
  expect((await t.inject('POST', '/api/v1/shipping-methods', { token: admin.token, body: standard })).statusCode).toBe(201);

  /** Every payment message published, as a subscriber of the bus receives it. */
  const published: IntegrationMessage[] = [];
  await t.get(MessageBus).subscribe('test.payment-messages', Object.values(PaymentMessages), async (m) => void published.push(m));

  const stockedSku = async (onHand: number, price = 1250): Promise<string> => {
    const sku = `MUG-${newId().slice(-12)}`;
    const body = { sku, name: 'Mug', category: 'mugs', price: { amount: price, currency: 'EUR' } };
    expect((await t.inject('POST', '/api/v1/products', { token: admin.token, body })).statusCode).toBe(201);
    expect((await t.inject('PUT', `/api/v1/inventory/${sku}`, { token: admin.token, body: { onHand } })).statusCode).toBe(200);
    await t.drain();
    return sku;
  };
  const checkout = async (sku: string, quantity: number): Promise<{ orderId: string; customer: LoggedIn }> => {
    const customer = await t.registerAndLogin('customer');
    expect((await t.inject('POST', '/api/v1/cart/items', { token: customer.token, body: { sku, quantity } })).statusCode).toBe(200);
    const res = await t.inject('POST', '/api/v1/checkout', {
      token: customer.token,
      headers: { 'idempotency-key': newId() },
      body: { paymentToken: 'tok_approve', shippingAddress: address, shippingMethod: 'standard' },
    });
    expect(res.statusCode, res.body).toBe(202);
    return { orderId: res.json<{ orderId: string }>().orderId, customer };
  };
  const order = async (orderId: string, customer: LoggedIn) =>
    (await t.inject('GET', `/api/v1/orders/${orderId}`, { token: customer.token })).json<{
      status: string;
      cancellationReason?: string;
      total: { amount: number };
    }>();
  const payment = async (orderId: string) => (await t.inject('GET', `/api/v1/payments/${orderId}`, { token: staff.token })).json<Payment>();
  const deliver = (event: SandboxWebhookEvent, now = t.clock.now()) =>
    t.inject('POST', WEBHOOK, sandboxWebhookFor(event, { secret: t.config.paymentWebhookSecret, now }));
  /** An event the test makes up (the sandbox reports only what it did). */
  const craft = (type: string, paymentId: string, data: object, refundId?: string) =>
    ({
      id: sandboxEventId(paymentId, type as SandboxWebhookEvent['type'], refundId),
      type,
      created: Math.floor(Date.now() / 1000),
      data: { paymentId, ...data },
    }) as SandboxWebhookEvent;
  const sandboxEvent = async (orderId: string, type: SandboxWebhookEvent['type']) => {
    const event = (await sandbox.webhookEvents(orderId)).find((e) => e.type === type);
    if (!event) throw new Error(`the sandbox reports no ${type} for ${orderId}`);
    return event;
  };
  const types = async (stream: string) =>
    (await db.query<{ type: string }>('select type from es.events where stream = $1 order by version', [stream])).rows.map((r) => r.type);
  return { t, admin, staff, db, sandbox, published, stockedSku, checkout, order, payment, deliver, craft, sandboxEvent, types };
};

export type SandboxShop = Awaited<ReturnType<typeof shop>>;
