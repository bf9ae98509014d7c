import type { Sql } from '../../../platform/persistence/database';
import type { Recipient } from '../domain/order-mail';

/** Keeps the address a customer registered with (identity.user-registered.v1); a later copy wins. */
export const recordRecipient = async (tx: Sql, customerId: string, recipient: Recipient, at: Date): Promise<void> => {
  await tx.query(
    `insert into notifications.recipients (customer_id, email, name, updated_at) values ($1, $2, $3, $4)
     on conflict (customer_id) do update set email = excluded.email, name = excluded.name, updated_at = excluded.updated_at
     where notifications.recipients.updated_at <= excluded.updated_at`,
    [customerId, recipient.email, recipient.name, at],
  );
};

export const findRecipient = async (db: Sql, customerId: string): Promise<Recipient | null> => {
  const { rows } = await db.query<Recipient>('select email, name from notifications.recipients where customer_id = $1', [customerId]);
  return rows[0] ?? null;
};
