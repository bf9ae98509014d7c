import type { Money } from '../../../shared-kernel/money';
import { displayLine } from '../../../shared-kernel/text';

/**
 * What we tell a customer about their order, one mail per fact. Pure: the text depends only on the fact and the
 * recipient, so a redelivered fact composes the same mail (and is deduplicated by its message id before that).
 *
 * Every text from a fact or a recipient (names, carrier, tracking number, reason, order id, currency) goes in through
 * `displayLine`: one line without control or bidirectional characters, whatever was stored before the text policy.
 * So no name can end a header and start another (a subject is one line), nor add lines that pose as ours.
 */
export type OrderMailFact =
  | { kind: 'order_confirmed'; orderId: string; total: Money; lines: { name: string; quantity: number; unitPrice: Money }[] }
  | { kind: 'order_shipped'; orderId: string; carrier: string; trackingNumber: string }
  | { kind: 'order_cancelled'; orderId: string; reason: string }
  | { kind: 'order_refunded'; orderId: string; amount: Money; totalRefunded: Money };

export type Recipient = { email: string; name: string };
export type ComposedMail = { to: string; subject: string; text: string };

export const formatMoney = ({ amount, currency }: Money): string => {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${displayLine(currency)}`;
};

const shortId = (orderId: string): string => displayLine(orderId.slice(0, 8).toUpperCase());

const CANCELLATION_REASONS: Record<string, string> = {
  out_of_stock: 'an item ran out of stock before we could reserve it',
  payment_declined: 'the payment was declined',
  payment_failed: 'the payment could not be completed',
  timeout: 'the checkout did not complete in time',
  cancelled_by_customer: 'you asked us to cancel it',
  cancelled_by_staff: 'our team cancelled it',
};

const body = (recipient: Recipient, ...paragraphs: string[]): string =>
  [`Hello ${displayLine(recipient.name)},`, ...paragraphs, 'Thank you for shopping with us.'].join('\n\n');

export const composeOrderMail = (fact: OrderMailFact, recipient: Recipient): ComposedMail => {
  const ref = shortId(fact.orderId);
  switch (fact.kind) {
    case 'order_confirmed': {
      const lines = fact.lines.map((l) => `  ${l.quantity} × ${displayLine(l.name)} at ${formatMoney(l.unitPrice)}`);
      return {
        to: recipient.email,
        subject: `Order ${ref} confirmed`,
        text: body(
          recipient,
          `Your order ${ref} is paid and confirmed.`,
          ...(lines.length ? [lines.join('\n')] : []),
          `Total: ${formatMoney(fact.total)}`,
        ),
      };
    }
    case 'order_shipped':
      return {
        to: recipient.email,
        subject: `Order ${ref} shipped`,
        text: body(
          recipient,
          `Your order ${ref} is on its way with ${displayLine(fact.carrier)}.`,
          `Tracking number: ${displayLine(fact.trackingNumber)}`,
        ),
      };
    case 'order_cancelled':
      return {
        to: recipient.email,
        subject: `Order ${ref} cancelled`,
        text: body(
          recipient,
          `Your order ${ref} was cancelled: ${CANCELLATION_REASONS[fact.reason] ?? displayLine(fact.reason).replaceAll('_', ' ')}.`,
          'Nothing was charged that is not refunded.',
        ),
      };
    case 'order_refunded':
      return {
        to: recipient.email,
        subject: `Refund for order ${ref}`,
        text: body(
          recipient,
          `We refunded ${formatMoney(fact.amount)} for your order ${ref} (${formatMoney(fact.totalRefunded)} in total so far).`,
          'It can take a few days to appear on your statement.',
        ),
      };
  }
};
