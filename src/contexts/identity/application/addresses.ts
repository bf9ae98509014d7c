import type { Sql } from '../../../platform/persistence/database';
import type { Address, AddressBook } from '../domain/address';

/** `identity.addresses`: each user's address book. Every query names the owner, so no one reads another's book. */

type Row = {
  id: string;
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  postal_code: string;
  country: string;
  phone: string | null;
  is_default: boolean;
};

const COLUMNS = 'id, name, line1, line2, city, postal_code, country, phone, is_default';

const toAddress = (r: Row): Address => ({
  id: r.id,
  name: r.name,
  line1: r.line1,
  ...(r.line2 === null ? {} : { line2: r.line2 }),
  city: r.city,
  postalCode: r.postal_code,
  country: r.country,
  ...(r.phone === null ? {} : { phone: r.phone }),
  isDefault: r.is_default,
});

/** The default address first, then in the order they were added. */
export const findAddresses = async (sql: Sql, userId: string): Promise<Address[]> => {
  const { rows } = await sql.query<Row>(
    `select ${COLUMNS} from identity.addresses where user_id = $1 order by is_default desc, created_at, id`,
    [userId],
  );
  return rows.map(toAddress);
};

/** The user's address, locked until the transaction ends; null for an id that is not in this user's book. */
export const getAddressForUpdate = async (sql: Sql, userId: string, addressId: string): Promise<Address | null> => {
  const { rows } = await sql.query<Row>(`select ${COLUMNS} from identity.addresses where id = $1 and user_id = $2 for update`, [
    addressId,
    userId,
  ]);
  return rows[0] ? toAddress(rows[0]) : null;
};

/**
 * Locks the owner's account row, so changes to one address book run one after the other (the size cap and the
 * single default hold under concurrency); null when the user does not exist. The book is read by a second
 * statement: in READ COMMITTED only a statement started after the lock was granted sees what the previous
 * holder committed.
 */
export const lockAddressBook = async (sql: Sql, userId: string): Promise<AddressBook | null> => {
  const { rowCount } = await sql.query(`select 1 from identity.users where id = $1 for no key update`, [userId]);
  if (!rowCount) return null;
  const { rows } = await sql.query<{ count: number; has_default: boolean }>(
    `select count(*)::int as count, coalesce(bool_or(is_default), false) as has_default from identity.addresses where user_id = $1`,
    [userId],
  );
  return { count: rows[0].count, hasDefault: rows[0].has_default };
};

/** Makes no address of the user the default (before another one becomes it). */
export const clearDefault = (sql: Sql, userId: string, exceptId: string) =>
  sql.query(`update identity.addresses set is_default = false where user_id = $1 and is_default and id <> $2`, [userId, exceptId]);

const values = (a: Address) => [a.id, a.name, a.line1, a.line2 ?? null, a.city, a.postalCode, a.country, a.phone ?? null, a.isDefault];

export const insertAddress = (sql: Sql, userId: string, address: Address, now: Date) =>
  sql.query(
    `insert into identity.addresses (id, name, line1, line2, city, postal_code, country, phone, is_default, user_id, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
    [...values(address), userId, now],
  );

export const updateAddress = (sql: Sql, userId: string, address: Address, now: Date) =>
  sql.query(
    `update identity.addresses set name = $2, line1 = $3, line2 = $4, city = $5, postal_code = $6, country = $7, phone = $8,
       is_default = $9, updated_at = $11
     where id = $1 and user_id = $10`,
    [...values(address), userId, now],
  );

/** False when the id is not in this user's book. */
export const deleteAddress = async (sql: Sql, userId: string, addressId: string): Promise<boolean> => {
  const { rowCount } = await sql.query(`delete from identity.addresses where id = $1 and user_id = $2`, [addressId, userId]);
  return rowCount === 1;
};
