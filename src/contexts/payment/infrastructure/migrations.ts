import type { Migration } from '../../../platform/persistence/database';

/**
 * Payment's own state is its event streams (`payment.payment-<orderId>`). Schema `payment_sandbox` is the ledger of
 * the built-in sandbox provider: what a real provider would keep on its side.
 */
export const paymentMigrations: Migration[] = [
  {
    id: '0001-payment-sandbox',
    sql: `
      create schema if not exists payment;
      create schema if not exists payment_sandbox;

      create table payment_sandbox.payments (
        payment_id   text primary key,
        state        text        not null check (state in ('authorized', 'declined', 'captured', 'voided', 'refunded')),
        provider_ref text unique,
        amount       bigint check (amount >= 0),
        currency     char(3),
        captured     bigint      not null default 0 check (captured >= 0 and captured <= coalesce(amount, 0)),
        refunded     bigint      not null default 0 check (refunded >= 0 and refunded <= captured),
        created_at   timestamptz not null default now(),
        updated_at   timestamptz not null default now()
      );

      create table payment_sandbox.refunds (
        refund_id    text primary key,
        provider_ref text        not null,
        amount       bigint      not null check (amount > 0),
        created_at   timestamptz not null default now()
      );
    `,
  },
];
