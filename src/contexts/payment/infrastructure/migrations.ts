import type { Migration } from '../../../platform/persistence/database';

/**
 * Payment's own state is its event streams (`payment.payment-<orderId>`); `payment.ledger` is their inline projection.
 * Schema `payment_sandbox` is the ledger of the built-in sandbox provider: what a real provider would keep on its side.
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
  {
    id: '0002-payment-ledger-and-webhooks',
    sql: `
      -- the inline projection of the payment streams; its unique indexes back the decider
      create table payment.ledger (
        order_id     text        not null,
        version      int         not null check (version > 0),
        kind         text        not null
                                 check (kind in ('authorized', 'declined', 'failed', 'capture_refused', 'captured', 'voided', 'refunded')),
        amount       bigint      check (amount >= 0),
        currency     char(3),
        provider_ref text,
        refund_id    text        check (refund_id is null or kind = 'refunded'),
        reason       text,
        occurred_at  timestamptz not null,
        primary key (order_id, version)
      );
      create unique index ledger_one_capture_idx on payment.ledger (order_id) where kind = 'captured';
      create unique index ledger_refund_once_idx on payment.ledger (order_id, refund_id) where refund_id is not null;

      -- the movements recorded before the ledger existed
      do $$
      begin
        if to_regclass('es.events') is not null then
          insert into payment.ledger (order_id, version, kind, amount, currency, provider_ref, refund_id, reason, occurred_at)
          select data->>'orderId', version,
                 case type
                   when 'PaymentAuthorized' then 'authorized'
                   when 'PaymentDeclined' then 'declined'
                   when 'PaymentFailed' then case when data->>'operation' = 'capture' then 'capture_refused' else 'failed' end
                   when 'PaymentCaptured' then 'captured'
                   when 'PaymentVoided' then 'voided'
                   else 'refunded'
                 end,
                 (data->'amount'->>'amount')::bigint, data->'amount'->>'currency', data->>'providerRef', data->>'refundId',
                 data->>'reason', (metadata->>'occurredAt')::timestamptz
            from es.events
           where stream like 'payment.payment-%'
             and type in ('PaymentAuthorized', 'PaymentDeclined', 'PaymentFailed', 'PaymentCaptured', 'PaymentVoided', 'PaymentRefunded')
          on conflict do nothing;
        end if;
      end $$;

      -- when the sandbox provider did what, so it can report it (webhooks)
      alter table payment_sandbox.payments
        add column authorized_at timestamptz,
        add column captured_at   timestamptz,
        add column voided_at     timestamptz;
      update payment_sandbox.payments set authorized_at = created_at where state in ('authorized', 'captured', 'refunded');
      update payment_sandbox.payments set captured_at = updated_at where captured > 0;
    `,
  },
];
